/**
 * Probing frozen features (issue: "linear probe and kNN on frozen, mean-pooled
 * features; the same for the identical encoder at random init"): rebuild the model
 * a run folder describes, load its checkpoint (or keep the random init), extract
 * mean-pooled features of the student encoder on both splits, and score a linear
 * probe and a kNN classifier on the test split. The probe's L2 strength is chosen
 * on a validation fifth of train (`probe-selection.ts`) unless one is given. With
 * `layers: 'all'` every block's end-of-block output is pooled and probed too
 * (`layer-features.ts`), with the spread of its pooled features; with `layers: 'top'`
 * the mean of the top K blocks' outputs (K as the targets use) is read instead of the
 * final output. `probeEncoder` probes an encoder already in memory the same way.
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
import { allLayersView, pooledSpread, splitLayerFeatures, topLayersMeanView } from '../eval/layer-features';
import { Module } from '../nn/module';
import { segmentPooledView } from '../eval/segment-features';
import { knnClassify } from '../eval/knn';
import { LabelledFeatures } from '../eval/features';
import { loadTokenizer } from '../data/tokenizer-presets';
import { loadWordnetSenses } from '../data/sense-dataset';
import { SenseBaselines, SenseSubsetSizes, loadSenseData, senseBaselines, senseSubset } from '../modalities/text/sense-data';
import type { TokenizerConfig } from '../modalities/text/text-data';

/** What a probe classifies: the data set's own labels, or (text) the supersense of a word in context. */
export const PROBE_TASKS = ['labels', 'sense'] as const;
export type ProbeTask = (typeof PROBE_TASKS)[number];

/** What `probe` reads (a run, the random init or the raw input) and how it scores it. */
export interface ProbeOptions {
  /** A run folder from `pretrain`; its checkpoint is probed. */
  run?: string;
  /** Probe the same architecture at random init instead (needs modality/algo/preset). */
  randomInit?: boolean;
  /** Probe the raw input (pixels) instead of any encoder. */
  raw?: boolean;
  /** With `randomInit` or `raw`: the recipe's modality (default `image`). */
  modality?: string;
  /** With `randomInit` or `raw`: `v1` (default) or `v2`. */
  algo?: string;
  /** With `randomInit` or `raw`: the preset (default `tiny`). */
  preset?: string;
  /** Changes to the config (with `run`, only `data` is read: probe another data set). */
  overrides?: RunOverrides;
  /** Linear-probe settings; a given `weightDecay` replaces the choice on validation. */
  linear?: LinearProbeOptions;
  /** Neighbours of the kNN classifier (default 20). */
  knnK?: number;
  /**
   * `'all'`: also probe every block's output, one by one (`layers` in the summary);
   * `'top'`: read the mean of the top K blocks' outputs instead of the final output
   * (K = `topK`, default the run's `data2vec.targets.topK`: the blocks its targets average).
   */
  layers?: 'all' | 'top';
  /** Blocks averaged by `layers: 'top'` (default: the K of the run's targets). */
  topK?: number;
  /**
   * Pool the means of this many consecutive time segments instead of one mean
   * (unpadded inputs only). Default 3 for speech (instance-normed targets leave the
   * clip-level mean of each channel free, see `segment-features.ts`), 1 otherwise.
   */
  segments?: number;
  /** `labels` (default): the data set's labels; `sense`: word sense in context (text, bundled WordNet senses). */
  task?: ProbeTask;
  /**
   * `sense` task only: probe a seeded subset (seed: the run's) of at most `train` and `test`
   * occurrences instead of the whole task, for quick looks; a smaller test split widens the
   * standard error (about 2 points near 15 % with 300 test occurrences, 0.7 with all 2,657).
   */
  senseSubset?: SenseSubsetSizes;
  /** Called as features are extracted: the stage (`features (train)` / `features (test)`), rows done and total. */
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

/** What a probe reports (`data2vec probe --json`). */
export interface ProbeSummary {
  /** Linear-probe accuracy on the test split. */
  accuracy: number;
  /** kNN accuracy on the test split (k = `knnK`). */
  knn_accuracy: number;
  /** Linear-probe accuracy on the rows it was fitted on. */
  train_accuracy: number;
  /** Rows of the train and test splits probed. */
  n_train: number;
  n_test: number;
  /** Width of the pooled feature vector. */
  dim: number;
  /**
   * The features read, mean-pooled over time (padding excluded): `final`, the encoder's
   * output, or `topK` (e.g. `top3`), the mean of its top K blocks' outputs (`layers: 'top'`).
   */
  layer: 'final' | `top${number}`;
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
  /** What was probed: a trained encoder (a run's checkpoint or one in memory), the random init, or the raw input. */
  source: 'pretrained' | 'random-init' | 'raw';
  /** The run folder probed (absent for random init, raw input and in-memory encoders). */
  run_dir?: string;
  modality: string;
  algo: string;
  preset: string;
  /** Wall time of the whole probe: loading, features, fits. */
  seconds: number;
}

/** What {@link probeEncoder} takes of {@link ProbeOptions}: how to read and score an encoder already in memory. */
export type ProbeEncoderOptions = Pick<ProbeOptions, 'linear' | 'knnK' | 'layers' | 'topK' | 'segments' | 'task' | 'senseSubset' | 'onProgress'>;

/** The labelled data a probe reads: the run's own labelled split, or the WordNet senses (task `sense`, text only). */
function probeData(config: BaseRunConfig, task: ProbeTask, raw: boolean, subset?: SenseSubsetSizes): { data: RecipeData; baselines?: SenseBaselines } {
  if (!(PROBE_TASKS as readonly string[]).includes(task)) {
    throw new Error(`unknown probe task ${JSON.stringify(task)}; choose one of ${PROBE_TASKS.join(', ')}.`);
  }
  if (subset !== undefined && task !== 'sense') throw new Error(`senseSubset cuts the sense task, but the task is ${task}; drop senseSubset or probe with task 'sense'.`);
  if (task !== 'sense') return { data: getRecipe(config.modality, config.algo).loadData(config) };
  if (config.modality !== 'text') throw new Error(`the sense task reads words in sentences, so it needs a text model, not ${config.modality}; drop --task sense or probe a text run.`);
  if (raw) throw new Error('--raw is not available for the sense task: text has no fixed-size raw feature vector.');
  const senses = subset ? senseSubset(loadWordnetSenses(), subset, config.seed) : loadWordnetSenses();
  const tok = (config as BaseRunConfig & { tokenizer: TokenizerConfig }).tokenizer;
  return { data: loadSenseData(loadTokenizer(tok.name, { vocabSize: tok.vocabSize }), senses), baselines: senseBaselines(senses.train, senses.test) };
}

/** K of the run's targets (`data2vec.targets.topK`): how many top blocks `layers: 'top'` averages unless `topK` is given. */
export function targetTopK(config: BaseRunConfig): number {
  const k = (config as BaseRunConfig & { data2vec?: { targets?: { topK?: unknown } } }).data2vec?.targets?.topK;
  if (!(typeof k === 'number' && Number.isInteger(k) && k >= 1)) {
    throw new Error(`the ${config.modality} ${config.algo} config has no data2vec.targets.topK, so the number of top blocks to average is unknown; pass topK.`);
  }
  return k;
}

/** What a probe reads from an encoder: every layer (`all`), the top-K mean (`top`) or the final output. */
interface ReadFeatures {
  train: LabelledFeatures;
  test: LabelledFeatures;
  /** Feature groups of `all` (0 otherwise). */
  parts: number;
  layer: ProbeSummary['layer'];
}

async function encoderFeatures(encoder: Module, config: BaseRunConfig, data: RecipeData, segments: number, options: ProbeEncoderOptions): Promise<ReadFeatures> {
  const recipe = getRecipe(config.modality, config.algo);
  encoder.eval();
  const layered = options.layers === 'all' ? allLayersView(encoder) : undefined;
  const topK = options.layers === 'top' ? options.topK ?? targetTopK(config) : undefined;
  const layerEncoder = layered ? layered.view : topK ? topLayersMeanView(encoder, topK) : encoder;
  const read = segments > 1 ? segmentPooledView(layerEncoder, segments) : layerEncoder;
  const train = await recipe.features(read, config, data, 'train', (d, t) => options.onProgress?.('features (train)', d, t));
  const test = await recipe.features(read, config, data, 'test', (d, t) => options.onProgress?.('features (test)', d, t));
  return { train, test, parts: layered?.parts() ?? 0, layer: topK ? `top${topK}` : 'final' };
}

type ScoredProbe = Omit<ProbeSummary, 'source' | 'run_dir' | 'seconds'>;

/** The linear probe (L2 chosen on validation unless fixed) and kNN on read features, per layer too for `all`. */
async function scoreFeatures(read: ReadFeatures, config: BaseRunConfig, data: RecipeData, segments: number, task: ProbeTask, baselines: SenseBaselines | undefined, options: ProbeEncoderOptions): Promise<ScoredProbe> {
  let { train, test } = read;
  const { parts } = read;
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
    layer: read.layer,
    segments,
    task,
    baselines,
    weight_decay: lin.weightDecay,
    ...(lin.validationAccuracy === undefined ? {} : { validation_accuracy: lin.validationAccuracy }),
    layers,
    modality: config.modality,
    algo: config.algo,
    preset: config.preset,
  };
}

/**
 * The probe of an encoder already in memory (one a script trained, e.g. the masked-LM
 * control of `bench/text-mlm-control.ts`): `encoder` must be the network `config`'s recipe
 * builds as its student encoder (the recipe's feature extractor runs it). Reported as
 * `source: 'pretrained'` without a run folder.
 */
export async function probeEncoder(encoder: Module, config: BaseRunConfig, options: ProbeEncoderOptions = {}): Promise<ProbeSummary> {
  const started = Date.now();
  const task = options.task ?? 'labels';
  const segments = options.segments ?? (config.modality === 'audio' ? 3 : 1);
  const { data, baselines } = probeData(config, task, false, options.senseSubset);
  const read = await encoderFeatures(encoder, config, data, segments, options);
  const scored = await scoreFeatures(read, config, data, segments, task, baselines, options);
  return { ...scored, source: 'pretrained', seconds: (Date.now() - started) / 1000 };
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
  const task = options.task ?? 'labels';
  const raw = options.raw === true;
  const segments = raw ? 1 : options.segments ?? (config.modality === 'audio' ? 3 : 1);
  const { data, baselines } = probeData(config, task, raw, options.senseSubset);
  let read: ReadFeatures;
  if (raw) {
    if (!recipe.rawFeatures) throw new Error(`--raw is not available for ${config.modality}: its raw input has no fixed-size feature vector.`);
    read = { train: recipe.rawFeatures(config, data, 'train'), test: recipe.rawFeatures(config, data, 'test'), parts: 0, layer: 'final' };
  } else {
    const setup = recipe.build(config, data);
    if (options.run) loadCheckpoint(options.run, { module: setup.objective });
    try {
      read = await encoderFeatures(setup.encoder, config, data, segments, options);
    } finally {
      setup.objective.dispose();
    }
  }
  const scored = await scoreFeatures(read, config, data, segments, task, baselines, options);
  return {
    ...scored,
    source: raw ? 'raw' : options.run ? 'pretrained' : 'random-init',
    run_dir: options.run,
    seconds: (Date.now() - started) / 1000,
  };
}
