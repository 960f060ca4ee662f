/**
 * Frozen-feature evaluation helpers (spec §7): the labelled feature matrix both
 * probes take, input checks, train-split standardisation (the role of MAE's
 * `BatchNorm1d(affine=False)` in front of its linear probe, `main_linprobe.py`),
 * accuracy and the confusion matrix.
 */

/** Row-major features `x` of shape `[n, dim]` with one integer label per row. */
export interface LabelledFeatures {
  x: Float32Array;
  y: Int32Array;
  n: number;
  dim: number;
}

/** Per-dimension statistics of a feature matrix, as used by {@link standardize}. */
export interface FeatureStats {
  mean: Float32Array;
  std: Float32Array;
}

/**
 * Throw one clear sentence if `features` (called `name` in the message) is not a
 * well-formed `[n, dim]` matrix with finite values and labels in `[0, numClasses)`.
 */
export function checkLabelledFeatures(name: string, features: LabelledFeatures, numClasses: number): void {
  const { x, y, n, dim } = features;
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`numClasses is ${numClasses}; it must be an integer of at least 2.`);
  }
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(dim) || dim < 1) {
    throw new Error(`${name} has n=${n}, dim=${dim}; both must be positive integers.`);
  }
  if (x.length !== n * dim) {
    throw new Error(`${name}.x has ${x.length} values but n × dim = ${n} × ${dim} = ${n * dim}; pass a row-major [n, dim] matrix.`);
  }
  if (y.length !== n) {
    throw new Error(`${name}.y has ${y.length} labels but ${name} has n=${n} rows; pass one label per row.`);
  }
  for (let i = 0; i < n; i++) {
    const label = y[i];
    if (label < 0 || label >= numClasses) {
      throw new Error(`${name}.y[${i}] is ${label}, outside [0, ${numClasses}); labels must be class indices below numClasses.`);
    }
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new Error(`${name}.x has a non-finite value (${x[i]}) in row ${Math.floor(i / dim)}, column ${i % dim}; remove or repair that row.`);
    }
  }
}

/** {@link checkLabelledFeatures} for a train and a test split, which must also have the same feature dimension. */
export function checkFeatureSplits(train: LabelledFeatures, test: LabelledFeatures, numClasses: number): void {
  checkLabelledFeatures('train', train, numClasses);
  checkLabelledFeatures('test', test, numClasses);
  if (test.dim !== train.dim) {
    throw new Error(`test has dim=${test.dim} but train has dim=${train.dim}; both splits must come from the same feature extractor.`);
  }
}

/**
 * Per-dimension mean and standard deviation (population, over rows), accumulated
 * in double precision. A constant dimension gets std 1, so it standardises to 0
 * instead of dividing by zero.
 */
export function featureStats(x: Float32Array, n: number, dim: number): FeatureStats {
  const sum = new Float64Array(dim);
  const sumSq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let j = 0; j < dim; j++) sum[j] += x[row + j];
  }
  const mean = new Float32Array(dim);
  for (let j = 0; j < dim; j++) mean[j] = sum[j] / n;
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let j = 0; j < dim; j++) {
      const d = x[row + j] - mean[j];
      sumSq[j] += d * d;
    }
  }
  const std = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    const s = Math.sqrt(sumSq[j] / n);
    std[j] = s > 1e-6 * Math.max(1, Math.abs(mean[j])) ? s : 1;
  }
  return { mean, std };
}

/** `(x − mean) / std` per dimension, as a new array (usually with the train split's stats). */
export function standardize(x: Float32Array, n: number, dim: number, stats: FeatureStats): Float32Array {
  const out = new Float32Array(n * dim);
  const { mean, std } = stats;
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let j = 0; j < dim; j++) out[row + j] = (x[row + j] - mean[j]) / std[j];
  }
  return out;
}

/** Fraction of positions where `predictions` equals `labels`. */
export function accuracy(predictions: Int32Array, labels: Int32Array): number {
  if (predictions.length !== labels.length) {
    throw new Error(`accuracy got ${predictions.length} predictions for ${labels.length} labels; pass one prediction per label.`);
  }
  if (labels.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}

/**
 * Counts of (true class, predicted class) pairs, row-major `[numClasses, numClasses]`:
 * entry `t * numClasses + p` counts rows of class `t` predicted as `p`.
 */
export function confusionMatrix(predictions: Int32Array, labels: Int32Array, numClasses: number): Int32Array {
  if (predictions.length !== labels.length) {
    throw new Error(`confusionMatrix got ${predictions.length} predictions for ${labels.length} labels; pass one prediction per label.`);
  }
  const counts = new Int32Array(numClasses * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predictions[i];
    if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) {
      throw new Error(`confusionMatrix row ${i} has label ${t} and prediction ${p}; both must lie in [0, ${numClasses}).`);
    }
    counts[t * numClasses + p]++;
  }
  return counts;
}
