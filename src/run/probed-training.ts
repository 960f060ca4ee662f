/**
 * Pretraining with probes on the training clock (spec §7.2; the protocol of
 * `bench` and of the learning curves): one (modality, algorithm) run whose clock
 * counts optimizer updates only. The clock stops for a probe at update 0 and then
 * every time it passes the next multiple of `probeEverySeconds` (or every
 * `probeEveryUpdates` updates when that is given instead), and after the last
 * update. The probe is the project's linear-probe protocol: frozen mean-pooled
 * features of the student encoder (speech: the means of 3 time segments, as
 * `data2vec probe` reads them), standardised, logistic regression with the L2
 * strength chosen on a stratified validation fifth of the train split
 * (`probe-selection.ts`), scored once on the test split (images: a seeded subset of
 * train, by default 2,000 images, and all test images). With `probeTask: 'sense'`
 * (text) the probe is instead `data2vec probe --task sense` run on the encoder in
 * memory (`probeEncoder`, `probe.ts`): the supersense of a polysemous word inside a
 * sentence, read at the word, L2 chosen on the validation fifth of the sense train
 * split, scored once on its test split.
 */
import { getRecipe } from '../modalities/registry';
import { Algo, BaseRunConfig, Modality, RecipeData, RunOverrides } from '../modalities/recipe';
import { Module } from '../nn/module';
import { Trainer } from '../train/trainer';
import { selectedLinearProbe } from '../eval/probe-selection';
import { segmentPooledView } from '../eval/segment-features';
import { countFlops } from './flops';
import { CurvePoint } from './accuracy-curve';
import { ProbeTask, probeEncoder } from './probe';
import type { SenseSubsetSizes } from '../modalities/text/sense-data';

/** Default probe interval on the training clock, in seconds. */
export const DEFAULT_PROBE_EVERY_SECONDS = 20;

/** Time segments whose means the probe reads, per modality (speech: 3, as `data2vec probe` defaults to). */
export function benchProbeSegments(modality: Modality): number {
  return modality === 'audio' ? 3 : 1;
}

/** Options of {@link trainWithProbes}. */
export interface ProbedTrainingOptions {
  modality: Modality;
  algo: Algo;
  /** Preset (default 'tiny'). */
  preset?: string;
  /** Seed of the run and of the probe subset (default 0). */
  seed?: number;
  /** Overrides of the preset (update count, batch size, lr, `--set` fields). */
  overrides?: RunOverrides;
  /** Probe each time the training clock passes a multiple of this many seconds (default {@link DEFAULT_PROBE_EVERY_SECONDS}). */
  probeEverySeconds?: number;
  /** Probe every this many updates instead of on the clock. */
  probeEveryUpdates?: number;
  /** Stop after this many updates (at most, and by default, the config's update count). */
  maxUpdates?: number;
  /** Stop once the training clock reaches this many seconds (default: no limit). */
  maxSeconds?: number;
  /** What the probe classifies: `labels` (default), the data set's own labels; `sense` (text only), word sense in context at the word. */
  probeTask?: ProbeTask;
  /** Train images the probe fits on (images: default 2,000, a seeded subset; sense task: a seeded subset of the train occurrences, default all). */
  probeTrainSize?: number;
  /** Test images the probe is scored on (images: default all; sense task: a seeded subset of the test occurrences, default all). */
  probeTestSize?: number;
  /** Stop after a probe for which this returns true. */
  stopWhen?: (p: CurvePoint) => boolean;
  /** Called after each probe. */
  onProbe?: (p: CurvePoint) => void;
  /** Called once after the last probe, before the model is disposed, with a function that runs one more (untimed, unprobed) update. */
  afterTraining?: (step: () => Promise<unknown>) => Promise<void>;
}

/** What {@link trainWithProbes} measured. */
export interface ProbedTraining {
  config: BaseRunConfig;
  probes: CurvePoint[];
  /** Wall milliseconds of each update, in order. */
  step_ms: number[];
  /** Model FLOPs of one update, counted on the first; null without updates. */
  flops_per_update: number | null;
  updates: number;
  train_seconds: number;
  /** Samples per update (batch × accumulation). */
  batch_size: number;
  /** Masked views per sample per update (v2 clones; 1 for v1). */
  views_per_sample: number;
  /** Wall seconds spent probing (not on the training clock). */
  probe_seconds: number;
}

/**
 * Linear-probe accuracy of `encoder`'s frozen features under the bench protocol (see the
 * file header): on `data` for task `labels`, on the WordNet senses for task `sense`.
 */
export async function probeAccuracy(modality: Modality, algo: Algo, encoder: Module, config: BaseRunConfig, data: RecipeData, seed: number, task: ProbeTask = 'labels', senseSubset?: SenseSubsetSizes): Promise<{ accuracy: number; weight_decay: number; validation_accuracy: number }> {
  const recipe = getRecipe(modality, algo);
  const segments = benchProbeSegments(modality);
  const view = segments > 1 ? segmentPooledView(encoder, segments) : encoder;
  encoder.eval();
  try {
    if (task !== 'labels') {
      const r = await probeEncoder(encoder, config, { task, segments, senseSubset });
      return { accuracy: r.accuracy, weight_decay: r.weight_decay, validation_accuracy: r.validation_accuracy! };
    }
    const train = await recipe.features(view, config, data, 'train');
    const test = await recipe.features(view, config, data, 'test');
    const fit = await selectedLinearProbe(train, test, data.numClasses, { seed });
    const validation = fit.validation.find((v) => v.weightDecay === fit.weightDecay)!.accuracy;
    return { accuracy: fit.accuracy, weight_decay: fit.weightDecay, validation_accuracy: validation };
  } finally {
    encoder.train();
  }
}

/** Raw-input linear-probe accuracy (pixels) on the same probe data, or null where the modality has no fixed-size raw features. */
export async function rawProbeAccuracy(modality: Modality, options: { preset?: string; seed?: number; probeTrainSize?: number; probeTestSize?: number; overrides?: RunOverrides } = {}): Promise<{ accuracy: number; weight_decay: number } | null> {
  const recipe = getRecipe(modality, 'v1');
  if (!recipe.rawFeatures) return null;
  const seed = options.seed ?? 0;
  const config = recipe.config(options.preset ?? 'tiny', { ...options.overrides, seed });
  const full = recipe.loadData(config);
  const data = recipe.probeSubset ? recipe.probeSubset(full, { train: options.probeTrainSize, test: options.probeTestSize }, seed) : full;
  const fit = await selectedLinearProbe(recipe.rawFeatures(config, data, 'train'), recipe.rawFeatures(config, data, 'test'), data.numClasses, { seed });
  return { accuracy: fit.accuracy, weight_decay: fit.weightDecay };
}

function checkPositive(name: string, v: number | undefined, integer: boolean): void {
  if (v === undefined) return;
  if (!(v > 0 && (!integer || Number.isInteger(v)))) throw new Error(`${name} is ${v}; it must be a positive ${integer ? 'integer' : 'number of seconds'}.`);
}

/** Pretrain one algorithm, probing on the training clock (see the file header). */
export async function trainWithProbes(o: ProbedTrainingOptions): Promise<ProbedTraining> {
  checkPositive('--probe-every-seconds', o.probeEverySeconds, false);
  checkPositive('--probe-every', o.probeEveryUpdates, true);
  checkPositive('--max-updates', o.maxUpdates, true);
  checkPositive('--max-seconds', o.maxSeconds, false);
  const seed = o.seed ?? 0;
  const recipe = getRecipe(o.modality, o.algo);
  const config = recipe.config(o.preset ?? 'tiny', { ...o.overrides, seed });
  const full = recipe.loadData(config);
  const probeData = recipe.probeSubset ? recipe.probeSubset(full, { train: o.probeTrainSize, test: o.probeTestSize }, seed) : full;
  const cut = o.probeTrainSize !== undefined || o.probeTestSize !== undefined;
  const senseSubset = o.probeTask === 'sense' && cut ? { train: o.probeTrainSize, test: o.probeTestSize } : undefined;
  const setup = recipe.build(config, full);
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  const maxUpdates = Math.min(o.maxUpdates ?? config.trainer.updates, config.trainer.updates);
  const every = o.probeEverySeconds ?? DEFAULT_PROBE_EVERY_SECONDS;
  const probes: CurvePoint[] = [];
  const stepMs: number[] = [];
  let seconds = 0;
  let cpuSeconds = 0;
  let probeSeconds = 0;
  let nextMark = every;
  let flopsPerUpdate: number | null = null;
  let stop = false;
  let updates = 0;
  const probe = async (): Promise<void> => {
    const t0 = performance.now();
    const r = await probeAccuracy(o.modality, o.algo, setup.encoder, config, probeData, seed, o.probeTask, senseSubset);
    probeSeconds += (performance.now() - t0) / 1000;
    const p: CurvePoint = { update: trainer.updatesDone, seconds, cpu_seconds: cpuSeconds, accuracy: r.accuracy, weight_decay: r.weight_decay, validation_accuracy: r.validation_accuracy };
    probes.push(p);
    o.onProbe?.(p);
    if (o.stopWhen?.(p)) stop = true;
  };
  try {
    await probe();
    while (!stop && trainer.updatesDone < maxUpdates && (o.maxSeconds === undefined || seconds < o.maxSeconds)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      // The first update is also where the FLOPs are counted.
      if (flopsPerUpdate === null) flopsPerUpdate = (await countFlops(() => trainer.step())).flops;
      else await trainer.step();
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      stepMs.push(ms);
      seconds += ms / 1000;
      cpuSeconds += (c.user + c.system) / 1e6;
      const due = o.probeEveryUpdates !== undefined ? trainer.updatesDone % o.probeEveryUpdates === 0 : seconds >= nextMark;
      if (due || trainer.updatesDone === maxUpdates) {
        nextMark = (Math.floor(seconds / every) + 1) * every;
        await probe();
      }
    }
    // a run stopped by the clock between probes gets its last updates probed too
    if (!stop && probes[probes.length - 1].update !== trainer.updatesDone) await probe();
    updates = trainer.updatesDone;
    await o.afterTraining?.(() => trainer.step());
  } finally {
    trainer.dispose();
    setup.objective.dispose();
  }
  return {
    config,
    probes,
    step_ms: stepMs,
    flops_per_update: flopsPerUpdate,
    updates,
    train_seconds: seconds,
    batch_size: config.trainer.batchSize * (config.trainer.accumulation ?? 1),
    views_per_sample: (config as { data2vec?: { clones?: number } }).data2vec?.clones ?? 1,
    probe_seconds: probeSeconds,
  };
}
