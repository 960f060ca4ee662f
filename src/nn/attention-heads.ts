/**
 * The two per-head products of multi-head self-attention (spec §1), taking
 * and giving the projections' token-major layout [B, T, heads·d]:
 * logits q·kᵀ per head, and the context probs·v merged back to [B, T, D].
 *
 * On wasm with the SIMD matrix kernel (`headMatMulActive`, any number of
 * threads), each product and each gradient product is one `D2vHeadMatMul` that
 * reads and writes heads in place (`src/backend/head-matmul.ts`): no
 * transposes forward or backward. Elsewhere the heads are split with a reshape and a transpose to
 * [B, heads, T, d] and `matMul` does the rest. Both give the same float32 values
 * on wasm (the gradients are the same products, `tf.matMul`'s own rules).
 */
import * as tf from '@tensorflow/tfjs';
import { headMatMul, headMatMulActive } from '../backend/head-matmul';
import { matMul } from './matmul';

/** [B, T, heads·d] → [B, heads, T, d] */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
  const [b, t, width] = x.shape;
  return x.reshape([b, t, heads, width / heads]).transpose([0, 2, 1, 3]);
}

/** [B, heads, T, d] → [B, T, heads·d] */
export function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [b, heads, t, d] = x.shape;
  return x.transpose([0, 2, 1, 3]).reshape([b, t, heads * d]);
}

/** `make(heads)`, made once per number of heads. */
function perHeads<F>(make: (heads: number) => F): (heads: number) => F {
  const made = new Map<number, F>();
  return (heads) => {
    let f = made.get(heads);
    if (f === undefined) made.set(heads, (f = make(heads)));
    return f;
  };
}

/** Gradients of c = a·bᵀ per head (a, b token-major; dc per head): da = dc·b, db = dcᵀ·a. */
const fusedLogits = perHeads((heads) =>
  tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [q, k, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([q, k]);
    return {
      value: headMatMul(q, k, heads, false, true),
      gradFunc: (dy: tf.Tensor, [sq, sk]: tf.Tensor[]) => [headMatMul(dy, sk, heads), headMatMul(dy, sq, heads, true)],
    };
  }) as (q: tf.Tensor, k: tf.Tensor) => tf.Tensor);

/** Gradients of c = p·v per head (p per head, v and dc token-major): dp = dc·vᵀ, dv = pᵀ·dc. */
const fusedContext = perHeads((heads) =>
  tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, v, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([p, v]);
    return {
      value: headMatMul(p, v, heads),
      gradFunc: (dy: tf.Tensor, [sp, sv]: tf.Tensor[]) => [headMatMul(dy, sv, heads, false, true), headMatMul(sp, dy, heads, true)],
    };
  }) as (p: tf.Tensor, v: tf.Tensor) => tf.Tensor);

/** Logits q·kᵀ of each head, [B, heads, T, S], from q [B, T, heads·d] and k [B, S, heads·d] (unscaled). */
export function headLogits(q: tf.Tensor, k: tf.Tensor, heads: number): tf.Tensor {
  if (headMatMulActive() && q.dtype === 'float32' && k.dtype === 'float32') return fusedLogits(heads)(q, k);
  return matMul(splitHeads(q, heads), splitHeads(k, heads), true);
}

/** Context probs·v of each head, merged: [B, T, heads·d] from probs [B, heads, T, S] and v [B, S, heads·d]. */
export function headContext(probs: tf.Tensor, v: tf.Tensor, heads: number): tf.Tensor {
  if (headMatMulActive() && probs.dtype === 'float32' && v.dtype === 'float32') return fusedContext(heads)(probs, v);
  return mergeHeads(matMul(probs, splitHeads(v, heads)));
}
