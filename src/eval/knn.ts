/**
 * Weighted k-nearest-neighbour classifier on frozen features (spec §7), as in
 * DINO's `eval_knn.py` (`knn_classifier`), the usual kNN protocol for
 * self-supervised features:
 *  - train and test features are L2-normalised per row (`F.normalize`: x / max(‖x‖, 1e-12)),
 *    so similarity is the cosine;
 *  - each test row takes its k most similar train rows (default k = 20, which DINO
 *    reports as usually best of 10, 20, 100, 200);
 *  - each neighbour votes for its class with weight exp(similarity / T)
 *    (default T = 0.07, DINO's default); the class with the largest total wins.
 * The weights are computed as exp((s − s_max) / T), the same votes up to a common
 * positive factor per row, so a small T cannot overflow float32. Ties between
 * classes go to the lower class index. Test rows are processed `batchSize` at a
 * time against the whole train matrix.
 */
import * as tf from '@tensorflow/tfjs';
import { LabelledFeatures, checkFeatureSplits, accuracy } from './features';

/** Options of {@link knnClassify}; every field has a default. */
export interface KnnOptions {
  /** Neighbours per test row; capped at the train size. Default 20. */
  k?: number;
  /** Vote temperature T in exp(similarity / T). Default 0.07. */
  temperature?: number;
  /** Test rows per similarity block (memory: batchSize × train rows floats). Default 256. */
  batchSize?: number;
}

/** Rows divided by their L2 norm (floored at 1e-12, so a zero row stays zero). */
function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)));
}

/**
 * Classify every `test` row by a similarity-weighted vote of its `k` nearest `train`
 * rows under cosine similarity (see the file header). Returns the test accuracy and
 * the predicted class per test row. Deterministic; leaves no tensors behind.
 */
export async function knnClassify(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  options: KnnOptions = {},
): Promise<{ accuracy: number; predictions: Int32Array }> {
  checkFeatureSplits(train, test, numClasses);
  const kWanted = options.k ?? 20;
  const temperature = options.temperature ?? 0.07;
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(kWanted) || kWanted < 1) throw new Error(`knnClassify option k is ${kWanted}; it must be a positive integer.`);
  if (!(temperature > 0)) throw new Error(`knnClassify option temperature is ${temperature}; it must be positive.`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`knnClassify option batchSize is ${batchSize}; it must be a positive integer.`);
  }
  const k = Math.min(kWanted, train.n);
  const { dim } = train;

  // [dim, n]: a transposed matMul operand is several times slower on wasm.
  const trainT = tf.tidy(() => tf.transpose(l2NormalizeRows(tf.tensor2d(train.x, [train.n, dim]))));
  const trainLabels = tf.tensor1d(train.y, 'int32');
  const predictions = new Int32Array(test.n);
  try {
    for (let start = 0; start < test.n; start += batchSize) {
      const rows = Math.min(batchSize, test.n - start);
      const classes = tf.tidy(() => {
        const query = l2NormalizeRows(tf.tensor2d(test.x.subarray(start * dim, (start + rows) * dim), [rows, dim]));
        const { values, indices } = tf.topk(tf.matMul(query, trainT), k, true);
        const weights = tf.exp(tf.div(tf.sub(values, values.max(1, true)), temperature));
        const votes = tf.mul(tf.oneHot(tf.gather(trainLabels, indices), numClasses), weights.expandDims(2));
        return tf.argMax(tf.sum(votes, 1), 1);
      });
      predictions.set(await classes.data(), start);
      classes.dispose();
    }
  } finally {
    trainT.dispose();
    trainLabels.dispose();
  }
  return { accuracy: accuracy(predictions, test.y), predictions };
}
