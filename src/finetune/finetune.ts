/**
 * Fine-tuning as a library call (the `data2vec finetune` command and notebooks use
 * it; spec §6 "Fine-tuning recipes", §7): take the student encoder of a pretraining
 * run (or the same architecture at random init, the baseline), put a mean-pooled
 * classifier on it, train everything with AdamW, layer-wise LR decay, warm-up +
 * cosine, label smoothing and drop path (mixup/cutmix optional for images), evaluate
 * on the held-out split every `evalEvery` updates, and write a run folder:
 * config.json, metrics.csv (per update: loss, train_accuracy, lr, …; test_accuracy
 * and epoch at each evaluation), checkpoint.safetensors (atomic) and report.html.
 *
 * Every input is checked before the run folder is created, so bad input leaves
 * nothing behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { getRecipe } from '../modalities/registry';
import { BaseRunConfig, Modality } from '../modalities/recipe';
import { readRunConfig } from '../run/pretrain';
import { CHECKPOINT_FILE, checkpointPath, loadCheckpoint } from '../train/checkpoint';
import { Trainer } from '../train/trainer';
import { MetricsRow } from '../train/metrics-log';
import { writeFileAtomic } from '../util/atomic-write';
import { median } from '../util/median';
import { Rng } from '../util/rng';
import { writeRunReport } from '../viz/report';
import { lineFigure, trainingFigures } from '../viz/figures';
import { currentBackend } from '../backend/select';
import { Classifier } from './classifier';
import { ClassificationObjective } from './objective';
import { finetuneBatchSource, finetuneEncoderConfig } from './batches';
import { classifierAccuracy } from './evaluate';
import { layerDecayScales } from './layer-decay';
import { FinetuneSettings, describeSettings, finetuneSettings } from './settings';
import { checkDataModality } from './data-kind';
import { initHeadFromProbe } from './probe-init';
import { ScheduleSpec } from '../train/schedules';

export interface FinetuneOptions {
  /** A run folder from `pretrain`: its student encoder is fine-tuned. */
  run?: string;
  /** Fine-tune the same architecture at random init instead (with modality, algo, preset). */
  randomInit?: boolean;
  modality?: string;
  algo?: string;
  preset?: string;
  /** Labelled data folder or file instead of the bundled set (must be of the model's modality). */
  data?: string;
  /** Seed of the head, the batch order and augmentation (default: the run's seed). */
  seed?: number;
  /** Changes to the modality's defaults (`FINETUNE_DEFAULTS`). */
  settings?: Partial<FinetuneSettings>;
  /** Run folder; default `runs/finetune-<modality>-<algo>-<preset>-<source>-<time>`. */
  out?: string;
  /** Write report.html (default true). */
  report?: boolean;
  onStart?: (info: { config: FinetuneRunConfig; runDir: string; dataDescription: string; parameters: number }) => void;
  onUpdate?: (row: MetricsRow) => void;
  onEvaluate?: (update: number, testAccuracy: number) => void;
  signal?: AbortSignal;
}

/** What config.json of a fine-tuning run holds. */
export interface FinetuneRunConfig {
  kind: 'finetune';
  modality: Modality;
  algo: string;
  preset: string;
  seed: number;
  source: 'pretrained' | 'random-init';
  /** The pretraining run folder (absent at random init). */
  pretrained_run?: string;
  data?: string;
  settings: FinetuneSettings;
  /** The encoder's config (the pretraining run's, with drop path set for fine-tuning). */
  encoder: BaseRunConfig;
}

/** The object `data2vec finetune --json` prints. */
export interface FinetuneSummary {
  modality: string;
  algo: string;
  preset: string;
  source: 'pretrained' | 'random-init';
  pretrained_run?: string;
  run_dir: string;
  updates: number;
  epochs: number;
  test_accuracy: number;
  best_test_accuracy: number;
  loss_first: number;
  loss_last: number;
  n_train: number;
  n_test: number;
  parameters: number;
  samples_per_sec: number;
  seconds: number;
  stopped: boolean;
  backend: string;
  config: FinetuneRunConfig;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** The first `limit` indices of a seeded permutation of `0..n-1` (all of them, in order, without a limit). */
function subset(n: number, limit: number | null, seed: string): number[] {
  if (limit === null || limit >= n) return Array.from({ length: n }, (_, i) => i);
  return new Rng(seed).permutation(n).slice(0, limit).sort((a, b) => a - b);
}

/** The encoder config to fine-tune: the run's (checked) or the preset's. */
function sourceConfig(options: FinetuneOptions): { config: BaseRunConfig; what: string } {
  if (options.run !== undefined && options.randomInit) {
    throw new Error('--run and --random-init exclude each other: pass --run DIR to fine-tune a pretrained encoder, or --random-init with --modality/--algo/--preset for the baseline.');
  }
  if (options.run === undefined && !options.randomInit) {
    throw new Error('finetune needs --run DIR (a pretraining run folder) or --random-init (the same architecture untrained).');
  }
  if (options.run !== undefined) {
    const config = readRunConfig(options.run);
    if ((config as unknown as { kind?: string }).kind === 'finetune') {
      throw new Error(`${options.run} is a fine-tuning run; pass the pretraining run folder it started from.`);
    }
    if (!fs.existsSync(checkpointPath(options.run))) {
      throw new Error(`${options.run} has no ${CHECKPOINT_FILE} (the pretraining run wrote no checkpoint yet); let "data2vec pretrain" finish or resume it, or fine-tune with --random-init.`);
    }
    return { config, what: `run ${options.run}` };
  }
  const recipe = getRecipe(options.modality ?? 'image', options.algo ?? 'v1');
  return { config: recipe.config(options.preset ?? 'tiny', {}), what: `--modality ${recipe.modality} --algo ${recipe.algo}` };
}

/** Parameter-name prefixes of the speech CNN feature encoders inside the classifier (data2vec 1.0 and 2.0). */
export const SPEECH_FEATURE_ENCODER: readonly string[] = Object.freeze(['encoder.feature_extractor.', 'encoder.modality_encoder.local_encoder.']);

/** The learning-rate schedule of `settings` (see `FinetuneSettings.schedule`). */
export function finetuneSchedule(settings: FinetuneSettings): ScheduleSpec {
  const warmupUpdates = Math.round(settings.warmupFraction * settings.updates);
  if (settings.schedule === 'cosine') {
    return { kind: 'cosine', peakLr: settings.lr, warmupUpdates, totalUpdates: settings.updates, minLr: settings.minLr };
  }
  const holdUpdates = Math.round(0.4 * settings.updates);
  return { kind: 'tri_stage', peakLr: settings.lr, warmupUpdates, holdUpdates, decayUpdates: Math.max(0, settings.updates - warmupUpdates - holdUpdates), initLrScale: 0.01, finalLrScale: 0.05 };
}

/** Fine-tune and evaluate; returns the summary (see the file header for the run folder). */
export async function finetune(options: FinetuneOptions): Promise<FinetuneSummary> {
  const started = Date.now();
  const { config: runConfig, what } = sourceConfig(options);
  const modality = runConfig.modality;
  if (options.data !== undefined) checkDataModality(options.data, modality, what);
  const settings = finetuneSettings(modality, options.settings);
  const seed = options.seed ?? runConfig.seed;
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${seed}.`);
  const encoderConfig = finetuneEncoderConfig(runConfig as BaseRunConfig & { model?: Record<string, unknown> }, settings, options.data);
  const dim = encoderConfig.model?.dim;
  if (typeof dim !== 'number') throw new Error(`the ${modality} ${runConfig.algo} config has no model.dim; fine-tuning needs the encoder's width.`);

  const recipe = getRecipe(modality, runConfig.algo);
  if (!recipe.labelledSplit) throw new Error(`fine-tuning is not available for ${modality}/${runConfig.algo}: its recipe defines no labelled split.`);
  const data = recipe.loadData(encoderConfig);
  const trainSplit = recipe.labelledSplit(encoderConfig, data, 'train');
  const testSplit = recipe.labelledSplit(encoderConfig, data, 'test');
  const trainIdx = subset(trainSplit.labels.length, settings.maxTrain, `${seed}:finetune-train-subset`);
  const testIdx = subset(testSplit.labels.length, settings.maxTest, `${seed}:finetune-test-subset`);
  const setup = recipe.build(encoderConfig, data);
  try {
    if (options.run !== undefined) loadCheckpoint(options.run, { module: setup.objective });
  } catch (e) {
    setup.objective.dispose();
    throw e;
  }

  const runDir = options.out ?? path.join('runs', `finetune-${modality}-${runConfig.algo}-${runConfig.preset}-${options.run !== undefined ? 'pretrained' : 'random-init'}-${timestamp()}`);
  if (fs.existsSync(checkpointPath(runDir))) {
    setup.objective.dispose();
    throw new Error(`${runDir} already holds a run (${CHECKPOINT_FILE}); choose another --out folder.`);
  }
  const config: FinetuneRunConfig = {
    kind: 'finetune', modality, algo: runConfig.algo, preset: runConfig.preset, seed,
    source: options.run !== undefined ? 'pretrained' : 'random-init',
    pretrained_run: options.run, data: options.data, settings, encoder: encoderConfig,
  };
  fs.mkdirSync(runDir, { recursive: true });
  writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');

  const model = new Classifier(setup.encoder, dim, data.numClasses, new Rng(`${seed}:head`), settings.pooling, settings.segments, settings.headNorm);
  model.train();
  const frozen = [...settings.frozenPrefixes, ...(settings.freezeFeatureEncoder ? SPEECH_FEATURE_ENCODER : [])];
  if (model.freezeParameters(frozen) === 0 && settings.freezeFeatureEncoder) {
    model.disposeHead();
    setup.objective.dispose();
    throw new Error(`freezeFeatureEncoder found no CNN parameters (${SPEECH_FEATURE_ENCODER.join(', ')}) in the ${modality} ${runConfig.algo} encoder; set it to false.`);
  }
  if (settings.headInit === 'probe') await initHeadFromProbe(model, trainSplit, trainIdx, data.numClasses);
  const names = model.namedTrainableParameters().map(([n]) => n);
  const scales = layerDecayScales(names, settings.layerDecay);
  for (const n of names) if (n.startsWith('encoder.')) scales.set(n, scales.get(n)! * settings.encoderLrScale);
  const evaluations: { update: number; accuracy: number }[] = [];
  const evaluateAt = async (update: number): Promise<Record<string, number>> => {
    const row: Record<string, number> = { epoch: (update * settings.batchSize) / trainIdx.length, test_accuracy: NaN };
    if (update % settings.evalEvery === 0 || update === settings.updates) {
      row.test_accuracy = (await classifierAccuracy(model, testSplit, testIdx)).accuracy;
      evaluations.push({ update, accuracy: row.test_accuracy });
      options.onEvaluate?.(update, row.test_accuracy);
    }
    return row;
  };
  const objective = new ClassificationObjective(model, trainSplit, evaluateAt);
  const batches = finetuneBatchSource(settings, { split: trainSplit, trainIndices: trainIdx, numClasses: data.numClasses, encoder: setup.encoder, seed });
  const trainerConfig = {
    updates: settings.updates,
    batchSize: settings.batchSize,
    accumulation: 1,
    optimizer: { betas: settings.betas, eps: 1e-8, weightDecay: settings.weightDecay, lrScale: (name: string) => scales.get(name) ?? 1 },
    noDecayNames: ['cls_token', 'pos_embed', 'extra_tokens', 'alibi_scale'],
    schedule: finetuneSchedule(settings),
    clipNorm: settings.clipNorm,
    seed,
    checkpointEvery: settings.evalEvery,
    collapse: { minTargetVar: 0, minPredVar: 0, afterUpdates: settings.updates },
  };
  const trainer = new Trainer(objective, batches, trainerConfig, runDir, config);
  const parameters = model.countParameters();
  const backend = currentBackend()?.name ?? tf.getBackend();
  options.onStart?.({ config, runDir, dataDescription: data.describe, parameters });
  const source = config.source === 'pretrained' ? `pretrained (${options.run})` : 'random init';
  const writeReport = (rows: MetricsRow[]) => {
    if (options.report === false) return;
    const last = evaluations[evaluations.length - 1];
    const best = evaluations.reduce((m, e) => Math.max(m, e.accuracy), NaN);
    const evalRows = rows.filter((r) => Number.isFinite(r.test_accuracy));
    writeRunReport(path.join(runDir, 'report.html'), {
      title: `fine-tuning data2vec ${config.algo} ${modality} (${config.preset}), ${source} — ${path.basename(runDir)}`,
      summary: {
        updates: rows[rows.length - 1]?.step ?? 0,
        'test accuracy (last)': last ? `${(100 * last.accuracy).toFixed(2)} %` : '-',
        'test accuracy (best)': Number.isFinite(best) ? `${(100 * best).toFixed(2)} %` : '-',
        'held-out samples': testIdx.length,
        'train samples': trainIdx.length,
        encoder: source,
        settings: describeSettings(settings),
        backend,
        data: data.describe,
        parameters,
      },
      config,
      figures: [
        ...trainingFigures(rows),
        lineFigure({ id: 'test-accuracy', title: 'Held-out accuracy', x: evalRows.map((r) => r.step), xTitle: 'step', yTitle: 'accuracy', series: [{ name: 'test_accuracy', y: evalRows.map((r) => r.test_accuracy) }] }),
        lineFigure({ id: 'train-accuracy', title: 'Training batch accuracy', x: rows.map((r) => r.step), xTitle: 'step', yTitle: 'accuracy', series: [{ name: 'train_accuracy', y: rows.map((r) => r.train_accuracy) }] }),
      ],
    });
  };
  let result;
  try {
    result = await trainer.run({ signal: options.signal, onUpdate: (row) => options.onUpdate?.(row), onCheckpoint: () => writeReport(trainer.metrics.rows) });
    writeReport(result.rows);
  } finally {
    trainer.dispose();
    model.disposeHead();
    setup.objective.dispose();
  }
  const rows = result.rows;
  const last = evaluations[evaluations.length - 1];
  return {
    modality, algo: config.algo, preset: config.preset, source: config.source, pretrained_run: options.run, run_dir: runDir,
    updates: result.updates,
    epochs: (result.updates * settings.batchSize) / trainIdx.length,
    test_accuracy: last?.accuracy ?? NaN,
    best_test_accuracy: evaluations.reduce((m, e) => Math.max(m, e.accuracy), -Infinity),
    loss_first: rows[0]?.loss ?? NaN,
    loss_last: rows[rows.length - 1]?.loss ?? NaN,
    n_train: trainIdx.length,
    n_test: testIdx.length,
    parameters,
    samples_per_sec: median(rows.slice(rows.length > 2 ? 1 : 0).map((r) => r.samples_per_sec)),
    seconds: (Date.now() - started) / 1000,
    stopped: result.stopped,
    backend,
    config,
  };
}
