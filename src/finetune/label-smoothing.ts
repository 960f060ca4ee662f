/**
 * Label smoothing and the soft-target cross-entropy (spec §6 "Fine-tuning
 * recipes": label smoothing 0.1 in the data2vec 2.0 ViT recipe). As in timm's
 * `mixup_target`, the smoothed target of class `y` is `1 − ε + ε/K` on `y` and
 * `ε/K` elsewhere; the loss is `mean_b Σ_k −t_bk · log softmax(z_b)_k`
 * (`SoftTargetCrossEntropy`), which also takes mixed targets from mixup and cutmix.
 */
import * as tf from '@tensorflow/tfjs';

/** Smoothed one-hot targets [B, K] of integer `labels`. */
export function smoothedTargets(labels: Int32Array | readonly number[], numClasses: number, smoothing: number): tf.Tensor2D {
  if (!(smoothing >= 0 && smoothing < 1)) throw new Error(`labelSmoothing must be in [0, 1) (0.1 in the reference), got ${smoothing}.`);
  const off = smoothing / numClasses;
  const on = 1 - smoothing + off;
  const t = new Float32Array(labels.length * numClasses).fill(off);
  Array.from(labels).forEach((y, b) => {
    if (!(Number.isInteger(y) && y >= 0 && y < numClasses)) throw new Error(`label ${y} at row ${b} is outside [0, ${numClasses}).`);
    t[b * numClasses + y] = on;
  });
  return tf.tensor2d(t, [labels.length, numClasses]);
}

/** Mean over the batch of the cross-entropy between soft `targets` [B, K] and `logits` [B, K]. */
export function softTargetCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sum(tf.mul(tf.neg(targets), tf.logSoftmax(logits, -1)), -1)) as tf.Scalar);
}
