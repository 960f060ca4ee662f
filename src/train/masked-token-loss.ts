/**
 * Cross-entropy of predicted token ids at the masked positions only (BERT / RoBERTa
 * masked language modelling, fairseq `MaskedLmLoss`: the loss is the mean over the
 * positions whose token was selected by the masking). Every position's logits are
 * computed and weighted by the mask, so no position index is read back from the
 * device (training reads nothing synchronously). A batch without masked positions
 * gives a loss of 0 and no gradient.
 */
import * as tf from '@tensorflow/tfjs';

/** The masked-position cross-entropy and the share of those positions predicted exactly. */
export interface MaskedTokenLoss {
  /** Mean over masked positions of −log softmax(logits)[id]. */
  loss: tf.Scalar;
  /** Share of masked positions whose arg-max logit is the true id (no gradient). */
  accuracy: tf.Scalar;
}

/**
 * The masked-language-model loss (see the file header) of `logits` [..., V] against `ids` int32 [...] (the original tokens), `lossMask` [...] (1 where the
 * loss is taken, 0 elsewhere; same shape as `ids`).
 */
export function maskedTokenCrossEntropy(logits: tf.Tensor, ids: tf.Tensor, lossMask: tf.Tensor): MaskedTokenLoss {
  const vocab = logits.shape[logits.rank - 1] as number;
  if (!tf.util.arraysEqual(ids.shape, logits.shape.slice(0, -1)) || !tf.util.arraysEqual(lossMask.shape, ids.shape)) {
    throw new Error(`maskedTokenCrossEntropy needs ids and lossMask of shape [${logits.shape.slice(0, -1)}] for logits [${logits.shape}], got [${ids.shape}] and [${lossMask.shape}].`);
  }
  return tf.tidy(() => {
    const flatLogits = logits.reshape([-1, vocab]);
    const flatIds = tf.cast(ids, 'int32').reshape([-1]) as tf.Tensor1D;
    const weights = tf.cast(lossMask, 'float32').reshape([-1]);
    const count = tf.maximum(tf.sum(weights), 1);
    const picked = tf.sum(tf.mul(tf.logSoftmax(flatLogits), tf.oneHot(flatIds, vocab)), -1);
    const loss = tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), count) as tf.Scalar;
    const hit = tf.cast(tf.equal(tf.argMax(flatLogits, -1), flatIds), 'float32');
    const accuracy = tf.div(tf.sum(tf.mul(hit, weights)), count) as tf.Scalar;
    return { loss, accuracy };
  });
}
