/**
 * ALiBi attention bias (spec §1.2, v2 audio): symmetric −|i−j|·slope per head, with
 * the standard slopes (fairseq `get_alibi`) and an optional learned per-head scale
 * initialised at 1 and clamped at ≥ 0 (`alibi_scale`).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';

/** ALiBi slopes: for 12 heads 2^-1…2^-8 then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5. */
export function alibiSlopes(heads: number): number[] {
  const pow2 = (n: number) => {
    const start = Math.pow(2, -Math.pow(2, -(Math.log2(n) - 3)));
    return Array.from({ length: n }, (_, i) => start * Math.pow(start, i));
  };
  if (Number.isInteger(Math.log2(heads))) return pow2(heads);
  const closest = Math.pow(2, Math.floor(Math.log2(heads)));
  return [...pow2(closest), ...alibiSlopes(2 * closest).filter((_, i) => i % 2 === 0).slice(0, heads - closest)];
}

/** The unscaled bias values [heads, length, length]. */
export function alibiBiasValues(heads: number, length: number): Float32Array {
  const slopes = alibiSlopes(heads);
  const out = new Float32Array(heads * length * length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < length; i++) {
      for (let j = 0; j < length; j++) out[(h * length + i) * length + j] = -Math.abs(i - j) * slopes[h];
    }
  }
  return out;
}

export class AlibiBias extends Module {
  readonly scale: tf.Variable | undefined;

  constructor(readonly heads: number, options: { learnedScale?: boolean } = {}) {
    super();
    if (options.learnedScale ?? true) this.scale = this.addParam('alibi_scale', tf.ones([heads, 1, 1]), { weightDecay: false });
  }

  /** [heads, length, length] bias, times max(scale, 0) when the scale is learned. */
  forward(length: number): tf.Tensor {
    const bias = tf.tensor3d(alibiBiasValues(this.heads, length), [this.heads, length, length]);
    return this.scale ? tf.mul(bias, tf.relu(this.scale)) : bias;
  }
}
