/**
 * Teacher targets (spec §3.1–3.2, traps 1–3): take the top-K layers' activations
 * (FFN output before the last residual, or end-of-block output), normalise each
 * layer, average, then optionally normalise again. All norms are parameter-free,
 * eps 1e-5:
 * - instance norm: each channel over time, per sequence (`F.instance_norm` on [B, C, T]);
 * - layer norm: each position over channels (`F.layer_norm(x, (C,))`);
 * - batch norm: each channel over batch and time (fairseq `batch_norm_target_layer`).
 * The reference counts padded steps in instance-norm statistics (trap 3); here an
 * optional padding mask excludes them, and is a no-op when there is no padding.
 *
 * Deviation, opt-in (`subtractPositionMean`, not in the spec or fairseq): after the
 * final norm, subtract from each target the mean target of its position over the
 * batch (non-padding rows only). With learned absolute positions the student sees the
 * position at every masked slot, so the part of a target that position alone predicts
 * is a shortcut that needs no context; this removes exactly that part.
 */
import * as tf from '@tensorflow/tfjs';
import { addMany } from '../nn/add-many';
import { layerNorm } from '../nn/layer-norm';
import { BlockOutput } from '../nn/transformer-block';

export type TargetNorm = 'none' | 'instance' | 'layer' | 'batch';

export interface TargetConfig {
  /** Number of top layers averaged (K). */
  topK: number;
  /** 'ffn': FFN output before the last residual (paper, fairseq); 'end': end-of-block output (data2vec_vision). */
  source: 'ffn' | 'end';
  perLayerNorm: TargetNorm;
  finalNorm: TargetNorm;
  /**
   * Opt-in deviation from the spec (§3.2 has no such step): after the final norm,
   * subtract each position's mean target over the batch's non-padding rows.
   * Default false.
   */
  subtractPositionMean?: boolean;
  eps?: number;
}

/**
 * Instance norm over time: x [B, T, C]; each (sample, channel) standardised over
 * its T steps. `padMask` [B, T] (1 = padding) removes padded steps from the statistics.
 */
export function instanceNorm(x: tf.Tensor, eps = 1e-5, padMask?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (!padMask) {
      const { mean, variance } = tf.moments(x, 1, true);
      return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
    }
    const w = tf.sub(1, padMask).expandDims(-1); // [B, T, 1], 1 = real step
    const n = tf.maximum(tf.sum(w, 1, true), 1);
    const mean = tf.div(tf.sum(tf.mul(x, w), 1, true), n);
    const centred = tf.sub(x, mean);
    const variance = tf.div(tf.sum(tf.mul(tf.square(centred), w), 1, true), n);
    return tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, eps))), w);
  });
}

/** Batch norm without parameters or running stats: each channel over all of [B, T]. */
export function batchNorm(x: tf.Tensor, eps = 1e-5, padMask?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const c = x.shape[x.rank - 1];
    if (!padMask) {
      const { mean, variance } = tf.moments(x.reshape([-1, c]), 0, true);
      return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
    }
    const w = tf.sub(1, padMask).expandDims(-1);
    const n = tf.maximum(tf.sum(w), 1);
    const mean = tf.div(tf.sum(tf.mul(x, w), [0, 1], true), n);
    const centred = tf.sub(x, mean);
    const variance = tf.div(tf.sum(tf.mul(tf.square(centred), w), [0, 1], true), n);
    return tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, eps))), w);
  });
}

/**
 * Per-position centring over the batch: x [B, T, C]; from each x[b, t] subtract the
 * mean of x[·, t] over the rows where position t is not padding (`padMask` [B, T],
 * 1 = padding). Padded steps come back as 0. A position that is padding in every row
 * is left at 0 as well.
 */
export function subtractPositionMean(x: tf.Tensor, padMask?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (!padMask) return tf.sub(x, tf.mean(x, 0, true));
    const w = tf.sub(1, padMask).expandDims(-1); // [B, T, 1], 1 = real step
    const n = tf.maximum(tf.sum(w, 0, true), 1);
    const mean = tf.div(tf.sum(tf.mul(x, w), 0, true), n);
    return tf.mul(tf.sub(x, mean), w);
  });
}

/** Apply one of the parameter-free target norms to x [B, T, C]. */
export function normalizeTarget(x: tf.Tensor, kind: TargetNorm, eps = 1e-5, padMask?: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'none':
      return x;
    case 'instance':
      return instanceNorm(x, eps, padMask);
    case 'layer':
      return layerNorm(x, eps);
    case 'batch':
      return batchNorm(x, eps, padMask);
  }
}

/** Per-layer norm → average of the top K → final norm. `layers` are the teacher's blocks, in order. */
export function buildTargets(layers: BlockOutput[], config: TargetConfig, padMask?: tf.Tensor): tf.Tensor {
  const { topK } = config;
  if (!(topK >= 1 && topK <= layers.length)) {
    throw new Error(`targets.topK is ${topK}, but the teacher has ${layers.length} layers; choose 1..${layers.length}.`);
  }
  const eps = config.eps ?? 1e-5;
  return tf.tidy(() => {
    const top = layers.slice(layers.length - topK).map((l) => (config.source === 'ffn' ? l.ffn : l.out));
    const normed = top.map((y) => normalizeTarget(y, config.perLayerNorm, eps, padMask));
    const avg = tf.div(addMany(normed), topK);
    const final = normalizeTarget(avg, config.finalNorm, eps, padMask);
    return config.subtractPositionMean ? subtractPositionMean(final, padMask) : final;
  });
}
