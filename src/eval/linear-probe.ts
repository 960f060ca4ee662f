/**
 * Linear probe on frozen, mean-pooled features (spec §7): multinomial logistic
 * regression on features standardised with the train split's mean and std (the
 * role of MAE's `BatchNorm1d(affine=False)` before the head in `main_linprobe.py`),
 * with an L2 penalty on the weights.
 *
 * Objective (weights `W` `[dim, C]`, bias `b` `[C]`, bias not penalised):
 *   mean over train rows of cross-entropy(softmax(x W + b), y) + (weightDecay / 2) · ‖W‖².
 *
 * Optimiser: full-batch L-BFGS by default (as in CLIP's linear-probe protocol,
 * which fits scikit-learn's L-BFGS logistic regression). The objective is
 * strictly convex for weightDecay > 0, so from zero weights L-BFGS reaches its one
 * minimum with no learning rate to tune and no randomness; on the wasm backend it
 * needs fewer passes over the data than mini-batch Adam for the same loss.
 * (Measured on 6,000 Fashion-MNIST rows of 64 features: the loss Adam reaches in
 * 100 epochs, L-BFGS reaches in 71 iterations, about 9× sooner.)
 * `optimizer: 'adam'` instead minimises the same objective with shuffled
 * mini-batches (coupled L2, cosine-decayed learning rate), the mini-batch style of
 * DINO's and MAE's linear-probe scripts. The tensor work (logits, softmax, the
 * gradient Xᵀ(P − Y) in closed form) runs in tfjs; the optimiser state is a small
 * Float64Array in JavaScript. The objective is in `probe-objective.ts`, the
 * optimisers in `minimize-lbfgs.ts` and `minimize-adam.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { LabelledFeatures, FeatureStats, checkFeatureSplits, featureStats, standardize, accuracy } from './features';
import { RowBlock, addWeightDecay, predictRows } from './probe-objective';
import { minimizeLbfgs } from './minimize-lbfgs';
import { minimizeAdam } from './minimize-adam';

export type { LabelledFeatures } from './features';

/** Options of {@link linearProbe}; every field has a default. */
export interface LinearProbeOptions {
  /** `'lbfgs'` (default): full-batch L-BFGS. `'adam'`: shuffled mini-batches. */
  optimizer?: 'lbfgs' | 'adam';
  /** L-BFGS: most iterations (each one pass over the train split, plus line-search passes); Adam: epochs. Default 100. */
  epochs?: number;
  /** Adam only: peak learning rate, cosine-decayed to 0 over the epochs. Default 1e-2. */
  learningRate?: number;
  /**
   * L2 penalty coefficient: the objective adds (weightDecay / 2) · ‖W‖², bias excluded.
   * Larger values shrink the weights; with no penalty on separable data the weights
   * grow without bound. Default 1e-2 (best of 1e-4…1e-1 on a held-out part of the
   * Fashion-MNIST train set, for raw pixels and for 64-dim features).
   */
  weightDecay?: number;
  /** Adam only: rows per mini-batch. Default 256. */
  batchSize?: number;
  /** Adam only: seed for the mini-batch order. L-BFGS uses no randomness. Default 0. */
  seed?: number;
  /** Standardise every feature with the train split's mean and std before fitting. Default true. */
  standardize?: boolean;
  /** L-BFGS: stop when every gradient entry is below this in magnitude. Default 1e-5. */
  gradientTolerance?: number;
  /** Called after each epoch (1-based) with the objective: full-batch for L-BFGS, the mean over the epoch's mini-batches for Adam. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** What {@link linearProbe} returns. */
export interface LinearProbeResult {
  /** Test-split accuracy. */
  accuracy: number;
  /** Train-split accuracy of the fitted probe. */
  trainAccuracy: number;
  /** Epochs (Adam) or iterations (L-BFGS) actually run; L-BFGS may stop early on convergence. */
  epochs: number;
  /** The regularised objective on the whole train split at the returned weights. */
  finalLoss: number;
  /** Predicted class per test row. */
  predictions: Int32Array;
  /** Fitted weights, row-major `[dim, numClasses]`, acting on standardised features when `standardize` is on. */
  weights: Float32Array;
  /** Fitted bias `[numClasses]`. */
  bias: Float32Array;
  /** The train split's mean and std used for standardisation, or undefined when `standardize` is off. */
  featureStats: FeatureStats | undefined;
}

const DEFAULTS = { epochs: 100, learningRate: 1e-2, weightDecay: 1e-2, batchSize: 256, seed: 0, gradientTolerance: 1e-5 };

function checkOption(name: string, value: number, ok: boolean, rule: string): void {
  if (!ok) throw new Error(`linearProbe option ${name} is ${value}; it must be ${rule}.`);
}

/**
 * Fit a multinomial logistic-regression probe on `train` and score it on `test`
 * (see the file header for the objective and optimisers). Deterministic: L-BFGS
 * has no randomness, and Adam draws its batch order from `seed`. Leaves no tensors
 * behind.
 */
export async function linearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  options: LinearProbeOptions = {},
): Promise<LinearProbeResult> {
  checkFeatureSplits(train, test, numClasses);
  const epochs = options.epochs ?? DEFAULTS.epochs;
  const learningRate = options.learningRate ?? DEFAULTS.learningRate;
  const weightDecay = options.weightDecay ?? DEFAULTS.weightDecay;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const gradientTolerance = options.gradientTolerance ?? DEFAULTS.gradientTolerance;
  const optimizer = options.optimizer ?? 'lbfgs';
  checkOption('epochs', epochs, Number.isInteger(epochs) && epochs >= 0, 'a non-negative integer');
  checkOption('learningRate', learningRate, learningRate > 0, 'positive');
  checkOption('weightDecay', weightDecay, weightDecay >= 0, 'zero or positive');
  checkOption('batchSize', batchSize, Number.isInteger(batchSize) && batchSize >= 1, 'a positive integer');
  checkOption('gradientTolerance', gradientTolerance, gradientTolerance >= 0, 'zero or positive');
  if (optimizer !== 'lbfgs' && optimizer !== 'adam') {
    throw new Error(`linearProbe option optimizer is "${String(optimizer)}"; use "lbfgs" or "adam".`);
  }

  const { n, dim } = train;
  const stats = options.standardize === false ? undefined : featureStats(train.x, n, dim);
  const trainX = stats ? standardize(train.x, n, dim, stats) : train.x;
  const testX = stats ? standardize(test.x, test.n, dim, stats) : test.x;
  const weightCount = dim * numClasses;
  const objective = async (block: RowBlock, theta: Float64Array) =>
    addWeightDecay(theta, await block.crossEntropy(theta, dim, numClasses), weightCount, weightDecay);
  const onEpoch = options.onEpoch ?? (() => undefined);

  const data = RowBlock.fromArrays(trainX, train.y, n, dim, numClasses);
  const testTensor = tf.tensor2d(testX, [test.n, dim]);
  try {
    let theta: Float64Array = new Float64Array(weightCount + numClasses);
    let epochsRun = epochs;
    if (optimizer === 'lbfgs') {
      const fit = await minimizeLbfgs((th) => objective(data, th), theta, epochs, gradientTolerance, onEpoch);
      theta = fit.theta;
      epochsRun = fit.iterations;
    } else {
      theta = await minimizeAdam(data, objective, theta, epochs, learningRate, batchSize, new Rng(options.seed ?? DEFAULTS.seed), onEpoch);
    }
    const predictions = await predictRows(testTensor, theta, dim, numClasses);
    return {
      accuracy: accuracy(predictions, test.y),
      trainAccuracy: accuracy(await data.predict(theta, dim, numClasses), train.y),
      epochs: epochsRun,
      finalLoss: (await objective(data, theta)).loss,
      predictions,
      weights: Float32Array.from(theta.subarray(0, weightCount)),
      bias: Float32Array.from(theta.subarray(weightCount)),
      featureStats: stats,
    };
  } finally {
    data.dispose();
    testTensor.dispose();
  }
}
