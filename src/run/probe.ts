/**
 * Probing frozen features (issue: "linear probe and kNN on frozen, mean-pooled
 * features; the same for the identical encoder at random init"): rebuild the model
 * a run folder describes, load its checkpoint (or keep the random init), extract
 * mean-pooled features of the student encoder on both splits, and score a linear
 * probe and a kNN classifier on the test split.
 */
import { getRecipe } from '../modalities/registry';
import { BaseRunConfig, RunOverrides } from '../modalities/recipe';
import { readRunConfig } from './pretrain';
import { loadCheckpoint } from '../train/checkpoint';
import { linearProbe, LinearProbeOptions } from '../eval/linear-probe';
import { knnClassify } from '../eval/knn';
import { LabelledFeatures } from '../eval/features';

export interface ProbeOptions {
  /** A run folder from `pretrain`; its checkpoint is probed. */
  run?: string;
  /** Probe the same architecture at random init instead (needs modality/algo/preset). */
  randomInit?: boolean;
  /** Probe the raw input (pixels) instead of any encoder. */
  raw?: boolean;
  modality?: string;
  algo?: string;
  preset?: string;
  overrides?: RunOverrides;
  linear?: LinearProbeOptions;
  knnK?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface ProbeSummary {
  accuracy: number;
  knn_accuracy: number;
  train_accuracy: number;
  n_train: number;
  n_test: number;
  dim: number;
  source: 'pretrained' | 'random-init' | 'raw';
  run_dir?: string;
  modality: string;
  algo: string;
  preset: string;
  seconds: number;
}

/** Linear-probe and kNN accuracy of frozen features, as `data2vec probe` prints them. */
export async function probe(options: ProbeOptions): Promise<ProbeSummary> {
  const started = Date.now();
  const modes = [options.run !== undefined, options.randomInit === true, options.raw === true].filter(Boolean).length;
  if (modes !== 1) throw new Error('probe needs exactly one of --run DIR, --random-init or --raw.');
  let config: BaseRunConfig;
  if (options.run) {
    config = readRunConfig(options.run);
    if (options.overrides?.data !== undefined) config = { ...config, data: options.overrides.data };
  } else {
    config = getRecipe(options.modality ?? 'image', options.algo ?? 'v1').config(options.preset ?? 'tiny', options.overrides ?? {});
  }
  const recipe = getRecipe(config.modality, config.algo);
  const data = recipe.loadData(config);
  let train: LabelledFeatures;
  let test: LabelledFeatures;
  if (options.raw) {
    if (!recipe.rawFeatures) throw new Error(`--raw is not available for ${config.modality}: its raw input has no fixed-size feature vector.`);
    train = recipe.rawFeatures(config, data, 'train');
    test = recipe.rawFeatures(config, data, 'test');
  } else {
    const setup = recipe.build(config, data);
    if (options.run) loadCheckpoint(options.run, { module: setup.objective });
    setup.encoder.eval();
    train = await recipe.features(setup.encoder, config, data, 'train', (d, t) => options.onProgress?.('features (train)', d, t));
    test = await recipe.features(setup.encoder, config, data, 'test', (d, t) => options.onProgress?.('features (test)', d, t));
    setup.objective.dispose();
  }
  const lin = await linearProbe(train, test, data.numClasses, { seed: config.seed, ...options.linear });
  const knn = await knnClassify(train, test, data.numClasses, { k: options.knnK ?? 20 });
  return {
    accuracy: lin.accuracy,
    knn_accuracy: knn.accuracy,
    train_accuracy: lin.trainAccuracy,
    n_train: train.n,
    n_test: test.n,
    dim: train.dim,
    source: options.raw ? 'raw' : options.run ? 'pretrained' : 'random-init',
    run_dir: options.run,
    modality: config.modality,
    algo: config.algo,
    preset: config.preset,
    seconds: (Date.now() - started) / 1000,
  };
}
