/**
 * Collapse diagnostics (spec §5.1, trap 29): `target_var` and `pred_var` are the
 * mean over dimensions of the per-dimension standard deviation across masked
 * tokens (fairseq `compute_var`: sqrt(unbiased var + 1e-6), averaged over D). The
 * reference aborts after 5k updates below 0.1 (targets) or 0.01 (predictions); the
 * monitor here warns and records instead.
 */
import * as tf from '@tensorflow/tfjs';

/** Mean per-dim std of y [B, T, D] over the rows where `weights` [B, T] is 1 (all rows if absent). */
export function computeVar(y: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = y.shape[y.rank - 1];
    const rows = y.reshape([-1, d]);
    const w = weights ? weights.reshape([-1, 1]) : tf.onesLike(rows.slice([0, 0], [-1, 1]));
    const n = tf.sum(w);
    const mean = tf.div(tf.sum(tf.mul(rows, w), 0), tf.maximum(n, 1));
    const sq = tf.sum(tf.mul(tf.square(tf.sub(rows, mean)), w), 0);
    const variance = tf.div(sq, tf.maximum(tf.sub(n, 1), 1));
    return tf.mean(tf.sqrt(tf.add(variance, 1e-6))) as tf.Scalar;
  });
}

export interface CollapseThresholds {
  /** Warn when target_var falls below this (fairseq `min_target_var` 0.1). */
  minTargetVar: number;
  /** Warn when pred_var falls below this (fairseq `min_pred_var` 0.01). */
  minPredVar: number;
  /** Updates before the check starts (fairseq: 5000; scaled down for short runs). */
  afterUpdates: number;
}

export const DEFAULT_COLLAPSE: CollapseThresholds = { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: 5000 };

/** A warning sentence when the diagnostics show collapse at this update, else undefined. */
export function collapseWarning(update: number, targetVar: number, predVar: number, t: CollapseThresholds): string | undefined {
  if (update < t.afterUpdates) return undefined;
  if (targetVar < t.minTargetVar) {
    return `update ${update}: target_var ${targetVar.toFixed(4)} is below ${t.minTargetVar}: the teacher's targets are collapsing; lower the learning rate, lengthen the warm-up or raise the EMA decay.`;
  }
  if (predVar < t.minPredVar) {
    return `update ${update}: pred_var ${predVar.toFixed(4)} is below ${t.minPredVar}: the student's predictions are collapsing; lower the learning rate or lengthen the warm-up.`;
  }
  return undefined;
}
