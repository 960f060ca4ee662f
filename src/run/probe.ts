/**
 * Probing frozen features (issue: "linear probe and kNN on frozen, mean-pooled
 * features; the same for the identical encoder at random init"): rebuild the model
 * a run folder describes, load its checkpoint (or keep the random init), extract
 * mean-pooled features of the student encoder on both splits, and score a linear
 * probe and a kNN classifier on the test split. The probe's L2 strength is chosen
 * on a validation fifth of train (`probe-selection.ts`) unless one is given. With
 * `layers: 'all'` every block's end-of-block output is pooled and probed too
 * (`layer-features.ts`), with the spread of its pooled features.
 *
 * `task: 'sense'` (text only) probes word sense in context instead of the data set's
 * own labels: the encoder's features at a polysemous word inside a sentence, pooled
 * over the word's tokens, classified into the supersense of that occurrence
 * (`modalities/text/sense-data.ts`), with the context-free baselines in the summary.
 */
import { getRecipe } from '../modalities/registry';
import { BaseRunConfig, RecipeData, RunOverrides } from '../modalities/recipe';
import { readRunConfig } from './pretrain';
import { loadCheckpoint } from '../train/checkpoint';
import { linearProbe, LinearProbeOptions, LinearProbeResult } from '../eval/linear-probe';
import { selectedLinearProbe } from '../eval/probe-selection';
import { allLayersView, pooledSpread, splitLayerFeatures } from '../eval/layer-features';
import { segmentPooledView } from '../eval/segment-features';
import { knnClassify } from '../eval/knn';
import { LabelledFeatures } from '../eval/features';
import { loadTokenizer } from '../data/tokenizer-presets';
import { loadWordnetSenses } from '../data/sense-dataset';
import { SenseBaselines, loadSenseData, senseBaselines } from '../modalities/text/sense-data';
import type { TokenizerConfig } from '../modalities/text/text-data';

/** What a probe classifies: the data set's own labels, or (text) the supersense of a word in context. */
export const PROBE_TASKS = ['labels', 'sense'] as const;
export type ProbeTask = (typeof PROBE_TASKS)[number];

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
  /** `'all'`: also probe every block's output, one by one (`layers` in the summary). */
  layers?: 'all';
  /**
   * Pool the means of this many consecutive time segments instead of one mean
   * (unpadded inputs only). Default 3 for speech (instance-normed targets leave the
   * clip-level mean of each channel free, see `segment-features.ts`), 1 otherwise.
   */
  segments?: number;
  /** `labels` (default): the data set's labels; `sense`: word sense in context (text, bundled WordNet senses). */
  task?: ProbeTask;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** One layer's probe (`probe --layers all`). */
export interface LayerProbe {
  /** 1 … depth: that block's end-of-block output; `'final'`: the encoder's output, as the default probe reads. */
  layer: number | 'final';
  accuracy: number;
  train_accuracy: number;
  knn_accuracy: number;
  /** The L2 strength chosen on validation for this layer. */
  weight_decay: number;
  /** Accuracy on the validation fifth of train at that L2 (absent when `--weight-decay` fixes it). */
  validation_accuracy?: number;
  /** Mean over dimensions of the std across samples of the pooled (unstandardised) features. */
  spread: number;
}

export interface ProbeSummary {
  accuracy: number;
  knn_accuracy: number;
  train_accuracy: number;
  n_train: number;
  n_test: number;
  dim: number;
  /** The features read: the encoder's final output, mean-pooled over time (padding excluded). */
  layer: 'final';
  /** Consecutive time segments whose means are concatenated (1: one mean over the whole input). */
  segments: number;
  /** L2 strength of the reported probe (chosen on a validation fifth of train unless given). */
  weight_decay: number;
  /**
   * Accuracy on the validation fifth of train at the chosen L2 (absent when `--weight-decay`
   * fixes it): the number to compare settings by, since test is read once.
   */
  validation_accuracy?: number;
  /** What was classified (see {@link ProbeOptions.task}). */
  task: ProbeTask;
  /** `sense` task: test accuracy of the answers that ignore context. */
  baselines?: SenseBaselines;
  /** Per-layer results when `layers: 'all'` was asked. */
  layers?: LayerProbe[];
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
  const segments = options.segments ?? (config.modality === 'audio' ? 3 : 1);
  const task = options.task ?? 'labels';
  if (!(PROBE_TASKS as readonly string[]).includes(task)) {
    throw new Error(`unknown probe task ${JSON.stringify(task)}; choose one of ${PROBE_TASKS.join(', ')}.`);
  }
  let baselines: SenseBaselines | undefined;
  let data: RecipeData;
  if (task === 'sense') {
    if (config.modality !== 'text') throw new Error(`the sense task reads words in sentences, so it needs a text model, not ${config.modality}; drop --task sense or probe a text run.`);
    if (options.raw) throw new Error('--raw is not available for the sense task: text has no fixed-size raw feature vector.');
    const senses = loadWordnetSenses();
    const tok = (config as BaseRunConfig & { tokenizer: TokenizerConfig }).tokenizer;
    data = loadSenseData(loadTokenizer(tok.name, { vocabSize: tok.vocabSize }), senses);
    baselines = senseBaselines(senses.train, senses.test);
  } else {
    data = recipe.loadData(config);
  }
  let train: LabelledFeatures;
  let test: LabelledFeatures;
  let parts = 0;
  if (options.raw) {
    if (!recipe.rawFeatures) throw new Error(`--raw is not available for ${config.modality}: its raw input has no fixed-size feature vector.`);
    train = recipe.rawFeatures(config, data, 'train');
    test = recipe.rawFeatures(config, data, 'test');
  } else {
    const setup = recipe.build(config, data);
    if (options.run) loadCheckpoint(options.run, { module: setup.objective });
    setup.encoder.eval();
    const layered = options.layers === 'all' ? allLayersView(setup.encoder) : undefined;
    const layerEncoder = layered ? layered.view : setup.encoder;
    const encoder = segments > 1 ? segmentPooledView(layerEncoder, segments) : layerEncoder;
    train = await recipe.features(encoder, config, data, 'train', (d, t) => options.onProgress?.('features (train)', d, t));
    test = await recipe.features(encoder, config, data, 'test', (d, t) => options.onProgress?.('features (test)', d, t));
    setup.objective.dispose();
    parts = layered?.parts() ?? 0;
  }
  const fitLinear = async (tr: LabelledFeatures, te: LabelledFeatures): Promise<LinearProbeResult & { weightDecay: number; validationAccuracy?: number }> => {
    if (options.linear?.weightDecay !== undefined) {
      return { ...(await linearProbe(tr, te, data.numClasses, { seed: config.seed, ...options.linear })), weightDecay: options.linear.weightDecay };
    }
    const selected = await selectedLinearProbe(tr, te, data.numClasses, { seed: config.seed, ...options.linear });
    return { ...selected, validationAccuracy: selected.validation.find((v) => v.weightDecay === selected.weightDecay)?.accuracy };
  };
  let layers: LayerProbe[] | undefined;
  if (parts > 0) {
    const trainParts = splitLayerFeatures(train, parts);
    const testParts = splitLayerFeatures(test, parts);
    layers = [];
    for (const [i, tr] of trainParts.entries()) {
      const lin = await fitLinear(tr, testParts[i]);
      layers.push({
        layer: i === parts - 1 ? 'final' : i + 1,
        accuracy: lin.accuracy,
        train_accuracy: lin.trainAccuracy,
        knn_accuracy: (await knnClassify(tr, testParts[i], data.numClasses, { k: options.knnK ?? 20 })).accuracy,
        weight_decay: lin.weightDecay,
        ...(lin.validationAccuracy === undefined ? {} : { validation_accuracy: lin.validationAccuracy }),
        spread: pooledSpread(tr),
      });
    }
    train = trainParts[parts - 1];
    test = testParts[parts - 1];
  }
  const lin = await fitLinear(train, test);
  const knn = await knnClassify(train, test, data.numClasses, { k: options.knnK ?? 20 });
  return {
    accuracy: lin.accuracy,
    knn_accuracy: knn.accuracy,
    train_accuracy: lin.trainAccuracy,
    n_train: train.n,
    n_test: test.n,
    dim: train.dim,
    layer: 'final',
    segments: options.raw ? 1 : segments,
    task,
    baselines,
    weight_decay: lin.weightDecay,
    ...(lin.validationAccuracy === undefined ? {} : { validation_accuracy: lin.validationAccuracy }),
    layers,
    source: options.raw ? 'raw' : options.run ? 'pretrained' : 'random-init',
    run_dir: options.run,
    modality: config.modality,
    algo: config.algo,
    preset: config.preset,
    seconds: (Date.now() - started) / 1000,
  };
}
