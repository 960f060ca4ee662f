/**
 * Matrix product for the building blocks (platform facts: wasm is the default
 * backend). tfjs 4.22's own wasm `matMul` is slow with a transpose flag (every
 * backward pass of `matMul` uses them) and for batched operands. When the SIMD
 * `BatchMatMul` kernel of `src/backend/batched-matmul.ts` is active, it runs
 * every float32 product, flags included, at full speed, so this is `tf.matMul`.
 * Without it (wasm without SIMD), the product and its gradient use explicit
 * transposes on wasm. On webgpu a product with more rows than one dispatch covers
 * runs in row blocks (`matmul-row-blocks.ts`). Other backends use `tf.matMul` unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { batchedMatMulActive } from '../backend/batched-matmul';
import { matMulByRowBlocks } from './matmul-row-blocks';

/** Swap the last two axes. */
export function swapLastTwo(x: tf.Tensor): tf.Tensor {
  if (x.rank === 2) return tf.transpose(x);
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

const explicitMatMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      return [tf.matMul(dy, swapLastTwo(sb)), tf.matMul(swapLastTwo(sa), dy)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * a·b (or a·bᵀ with `transposeB`) for equal batch dims; same result and gradient as
 * `tf.matMul`, fast on wasm.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  if (tf.getBackend() === 'webgpu') return matMulByRowBlocks(a, b, transposeB);
  if (tf.getBackend() !== 'wasm' || batchedMatMulActive()) return tf.matMul(a, b, false, transposeB);
  return explicitMatMul(a, transposeB ? swapLastTwo(b) : b);
}
