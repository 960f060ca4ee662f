/**
 * Linear probing, then fine-tuning (LP-FT, Kumar et al. 2022, "Fine-Tuning can
 * Distort Pretrained Features"): before the first update, fit the repository's
 * linear probe (L-BFGS multinomial logistic regression on standardised features,
 * `eval/linear-probe.ts`) on the classifier's own pooled features of the training
 * samples, and start the head from it: the batch norm's running statistics become
 * the probe's standardisation and the head's weight and bias the probe's. The
 * encoder's first gradients then come from a head that already reads its features,
 * not from one near zero. Needs the batch-norm head (`headNorm: 'batch'`).
 */
import * as tf from '@tensorflow/tfjs';
import { LabelledSplit } from '../modalities/recipe';
import { linearProbe } from '../eval/linear-probe';
import { BatchNorm1d } from '../nn/batch-norm';
import { Classifier } from './classifier';

/** Fit the probe on the pooled features of `indices` (evaluation view, eval mode) and copy it into the head; returns the probe's train accuracy. */
export async function initHeadFromProbe(model: Classifier, split: LabelledSplit, indices: readonly number[], numClasses: number, weightDecay = 1e-2): Promise<number> {
  if (!(model.fcNorm instanceof BatchNorm1d)) throw new Error('headInit "probe" needs headNorm "batch" (the probe standardises each feature, as the batch norm does).');
  const wasTraining = model.training;
  model.eval();
  const rows: Float32Array[] = [];
  try {
    for (let start = 0; start < indices.length; start += split.evalBatchSize) {
      const idx = indices.slice(start, start + split.evalBatchSize);
      const pooled = tf.tidy(() => model.pool(split, split.batch(idx)));
      rows.push((await pooled.data()) as Float32Array);
      pooled.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  const dim = rows[0].length / Math.min(split.evalBatchSize, indices.length);
  const x = new Float32Array(indices.length * dim);
  let offset = 0;
  for (const r of rows) { x.set(r, offset); offset += r.length; }
  const features = { x, y: Int32Array.from(indices, (i) => split.labels[i]), n: indices.length, dim };
  const probe = await linearProbe(features, features, numClasses, { weightDecay });
  const stats = probe.featureStats!;
  const norm = model.fcNorm;
  tf.tidy(() => {
    norm.runningMean.assign(tf.tensor1d(stats.mean));
    norm.runningVar.assign(tf.tensor1d(Float32Array.from(stats.std, (s) => s * s)));
    model.head.weight.assign(tf.tensor2d(probe.weights, [dim, numClasses]));
    model.head.bias?.assign(tf.tensor1d(probe.bias));
  });
  return probe.trainAccuracy;
}
