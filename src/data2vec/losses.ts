/**
 * The data2vec regression loss at masked positions (spec §5.1–5.2, traps 7, 16):
 * L2 (β = 0) or smooth L1 with β (0.5·d²/β for |d| < β, else |d| − β/2), per
 * element; reduced per token by a sum over dims (fairseq) or a mean over dims
 * (data2vec_vision's `F.smooth_l1_loss` mean); scaled by 1/√D (fairseq audio, v2
 * audio/images) or a constant (text: 1); averaged over the masked tokens.
 */
import * as tf from '@tensorflow/tfjs';

export interface LossConfig {
  /** 0 for L2; > 0 for smooth L1 with this β. */
  beta: number;
  /** Per-token reduction over the D dims: 'sum' (fairseq) or 'mean' (data2vec_vision). */
  reduction: 'sum' | 'mean';
  /** 'invSqrtDim' multiplies by 1/√D; a number multiplies by that number. */
  scale: 'invSqrtDim' | number;
}

/** Element-wise smooth L1, written with `minimum` so it has a gradient on every backend. */
export function smoothL1(d: tf.Tensor, beta: number): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(d);
    const q = tf.minimum(a, beta);
    return tf.div(tf.add(tf.mul(tf.square(q), 0.5), tf.mul(tf.sub(a, q), beta)), beta);
  });
}

/** Per-token loss [B, T] (or [N]) before masking and averaging. */
export function perTokenLoss(pred: tf.Tensor, target: tf.Tensor, config: LossConfig): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(pred, target);
    const elem = config.beta > 0 ? smoothL1(d, config.beta) : tf.square(d);
    const dim = pred.shape[pred.rank - 1];
    const reduced = config.reduction === 'sum' ? tf.sum(elem, -1) : tf.mean(elem, -1);
    const scale = config.scale === 'invSqrtDim' ? 1 / Math.sqrt(dim) : config.scale;
    return scale === 1 ? reduced : tf.mul(reduced, scale);
  });
}

/**
 * Loss averaged over masked tokens: pred and target [B, T, D], `mask` [B, T] with 1 at
 * positions that count. Returns a scalar.
 */
export function maskedRegressionLoss(pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor, config: LossConfig): tf.Scalar {
  return tf.tidy(() => {
    const perToken = perTokenLoss(pred, target, config);
    const count = tf.maximum(tf.sum(mask), 1);
    return tf.div(tf.sum(tf.mul(perToken, mask)), count) as tf.Scalar;
  });
}
