/**
 * Gradient clipping by global L2 norm (spec §6: `clip_norm`, 0 = no clipping),
 * as fairseq `utils.clip_grad_norm_`: the norm is taken over all gradients
 * together, and when `maxNorm > 0` every gradient is multiplied by
 * `min(1, maxNorm / (norm + 1e-6))`.
 *
 * fairseq's trainer skips an update whose gradient norm is not finite; this
 * function leaves such gradients unscaled and reports the norm so that the
 * caller can do the same.
 */
import * as tf from '@tensorflow/tfjs';
import { addMany } from '../nn/add-many';
import { rowKernelsActive, runRowKernel } from '../backend/row-kernels';

/** Result of {@link clipGradNorm}. */
export interface ClippedGradients {
  /** New tensor handles (the caller disposes them), scaled when the norm exceeded `maxNorm`. */
  grads: Map<string, tf.Tensor>;
  /**
   * Global L2 norm of the gradients before clipping, as a scalar on the device
   * (NaN or Infinity if any gradient is); the caller reads it with the update's
   * other scalars and disposes it.
   */
  norm: tf.Scalar;
}

/** Global L2 norm over all gradients, as a scalar tensor (no read back). */
export function globalGradNormTensor(grads: Map<string, tf.Tensor>): tf.Scalar {
  if (grads.size === 0) return tf.scalar(0);
  const all = [...grads.values()];
  if (rowKernelsActive() && all.every((g) => g.dtype === 'float32')) {
    // one wasm kernel over every gradient (src/backend/row-kernels.ts)
    return tf.tidy(() => tf.sqrt(runRowKernel('D2vSumOfSquares', Object.fromEntries(all.map((g, i) => [String(i), g])))[0]) as tf.Scalar);
  }
  return tf.tidy(() => tf.sqrt(addMany([...grads.values()].map((g) => tf.sum(tf.square(tf.cast(g, 'float32')))))) as tf.Scalar);
}

/** Global L2 norm over all gradients, one awaited read. */
export async function globalGradNorm(grads: Map<string, tf.Tensor>): Promise<number> {
  const norm = globalGradNormTensor(grads);
  try {
    return (await norm.data())[0];
  } finally {
    norm.dispose();
  }
}

/**
 * Compute the global L2 norm of `grads`; if `maxNorm > 0` and the norm exceeds
 * it, return copies scaled by `maxNorm / (norm + 1e-6)`. The decision is taken on
 * the device (a factor of 1 when the norm is below `maxNorm` or not finite), so
 * nothing waits for a read back. The input tensors are not disposed; the returned
 * ones are new handles either way.
 */
export function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number): ClippedGradients {
  if (!(maxNorm >= 0 && Number.isFinite(maxNorm))) throw new Error(`clipGradNorm: maxNorm must be a finite number >= 0 (0 disables clipping), got ${maxNorm}.`);
  const norm = globalGradNormTensor(grads);
  const out = new Map<string, tf.Tensor>();
  if (maxNorm === 0) {
    for (const [name, g] of grads) out.set(name, tf.clone(g));
    return { grads: out, norm };
  }
  const factor = tf.tidy(() => {
    const coefficient = tf.div(maxNorm, tf.add(norm, 1e-6));
    const scale = tf.logicalAnd(tf.isFinite(norm), tf.less(coefficient, 1));
    return tf.where(scale, coefficient, tf.onesLike(coefficient));
  });
  for (const [name, g] of grads) out.set(name, tf.mul(g, factor));
  factor.dispose();
  return { grads: out, norm };
}
