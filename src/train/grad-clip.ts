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

/** Result of {@link clipGradNorm}. */
export interface ClippedGradients {
  /** New tensor handles (the caller disposes them), scaled if `clipped`. */
  grads: Map<string, tf.Tensor>;
  /** Global L2 norm of the gradients before clipping (NaN or Infinity if any gradient is). */
  norm: number;
  /** Whether the gradients were scaled down. */
  clipped: boolean;
}

/** Global L2 norm over all gradients, one device read for the whole set. */
export function globalGradNorm(grads: Map<string, tf.Tensor>): number {
  if (grads.size === 0) return 0;
  const squares = tf.tidy(() => tf.stack([...grads.values()].map((g) => tf.sum(tf.square(tf.cast(g, 'float32'))))));
  const perTensor = squares.dataSync();
  squares.dispose();
  let total = 0;
  for (const s of perTensor) total += s;
  return Math.sqrt(total);
}

/**
 * Compute the global L2 norm of `grads`; if `maxNorm > 0` and the norm exceeds
 * it, return copies scaled by `maxNorm / (norm + 1e-6)`. The input tensors are
 * not disposed; the returned ones are new handles either way.
 */
export function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number): ClippedGradients {
  if (!(maxNorm >= 0 && Number.isFinite(maxNorm))) throw new Error(`clipGradNorm: maxNorm must be a finite number >= 0 (0 disables clipping), got ${maxNorm}.`);
  const norm = globalGradNorm(grads);
  const coefficient = maxNorm / (norm + 1e-6);
  const clipped = maxNorm > 0 && Number.isFinite(norm) && coefficient < 1;
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) out.set(name, clipped ? tf.tidy(() => tf.mul(g, coefficient)) : tf.clone(g));
  return { grads: out, norm, clipped };
}
