/**
 * Collapse diagnostics (spec §5.1, trap 29): `target_var` and `pred_var` are the
 * mean over dimensions of the per-dimension standard deviation across masked
 * tokens (fairseq `compute_var`: sqrt(unbiased var + 1e-6), averaged over D). The
 * thresholds the trainer checks them against are in `../train/collapse-guard.ts`.
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
