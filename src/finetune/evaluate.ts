/**
 * Held-out accuracy of a fine-tuned classifier (spec §7: fine-tuning top-1 on the
 * held-out split): eval mode (no dropout or drop path), the split's evaluation view,
 * batches of `evalBatchSize`, arg-max of the logits. The caller's mode is restored.
 */
import * as tf from '@tensorflow/tfjs';
import { LabelledSplit } from '../modalities/recipe';
import { accuracy } from '../eval/features';
import { Classifier } from './classifier';

/** Predicted class of every sample in `indices`, and the accuracy against the split's labels. */
export async function classifierAccuracy(model: Classifier, split: LabelledSplit, indices: readonly number[]): Promise<{ accuracy: number; predictions: Int32Array }> {
  const wasTraining = model.training;
  model.eval();
  const predictions = new Int32Array(indices.length);
  try {
    for (let start = 0; start < indices.length; start += split.evalBatchSize) {
      const idx = indices.slice(start, start + split.evalBatchSize);
      const pred = tf.tidy(() => {
        const batch = split.batch(idx);
        return tf.argMax(model.forward(split, batch), -1);
      });
      predictions.set((await pred.data()) as Int32Array, start);
      pred.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  const labels = Int32Array.from(indices, (i) => split.labels[i]);
  return { accuracy: accuracy(predictions, labels), predictions };
}
