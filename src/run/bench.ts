/**
 * The v1 / v2 benchmark (issue "data2vec 2.0: … measure the speed-up"; spec §7.2: P2
 * reports data2vec 2.0 reaching v1-level accuracy in several times less pretraining
 * time). Each algorithm trains its preset on the same data with the same seed; the
 * training clock counts optimizer updates only. Every `probeEvery` updates the clock
 * stops and a fixed, cheap probe runs: a linear probe (L-BFGS logistic regression,
 * `linearProbe`) on frozen mean-pooled features of a fixed subset of the train split,
 * scored on the whole test split. The result per algorithm: images per second, median
 * ms per update, and the training seconds until the probe first reaches `threshold`
 * (null when it never does within `maxUpdates` / `maxSeconds`).
 */
import * as tf from '@tensorflow/tfjs';
import { getRecipe } from '../modalities/registry';
import { Algo, Modality, RunOverrides } from '../modalities/recipe';
import { Trainer } from '../train/trainer';
import { linearProbe } from '../eval/linear-probe';
import { countFlops } from './flops';
import { KernelProfile, formatKernelProfile, profileUpdates } from './kernel-profile';
import { median } from '../util/median';
import { currentBackend } from '../backend/select';

/** Options of {@link benchCompare}. */
export interface BenchOptions {
  /** Modality of every algorithm (default 'image'); probe subsets apply where the recipe has `probeSubset` (images). */
  modality?: Modality;
  /** Preset of every algorithm (default 'tiny'). */
  preset?: string;
  /** Algorithms to compare (default ['v1', 'v2']). */
  algos?: Algo[];
  /** Linear-probe test accuracy to reach (default {@link defaultBenchThreshold} of the modality). */
  threshold?: number;
  /** Seed of every run and of the probe subset (default 0). */
  seed?: number;
  /** Probe every this many updates (default 25). */
  probeEvery?: number;
  /** Stop an algorithm after this many updates (at most, and by default, its preset's update count). */
  maxUpdates?: number;
  /** Stop an algorithm after this many seconds on the training clock (default: no limit). */
  maxSeconds?: number;
  /** Train samples the probe fits on (images: default 2000 of the train split, a seeded subset). */
  probeTrainSize?: number;
  /** Test samples the probe is scored on (images: default the whole test split). */
  probeTestSize?: number;
  /** Extra overrides for every algorithm's config (batch size, lr, data folder, …). */
  overrides?: RunOverrides;
  /**
   * Profile this many extra updates per algorithm after its timed ones (kernel names,
   * time, share, calls, GFLOP/s; `kernel-profile.ts`). They are not timed, probed or
   * counted in `updates`.
   */
  profile?: number;
  /** Called after each probe. */
  onProbe?: (algo: Algo, p: BenchProbe) => void;
}

/** One probe during training. */
export interface BenchProbe {
  update: number;
  /** Training clock (wall seconds of updates only) when the probe ran. */
  seconds: number;
  /** Process CPU seconds of the updates only. */
  cpu_seconds: number;
  accuracy: number;
}

/** What one algorithm achieved. */
export interface BenchAlgoResult {
  /** Samples (images, clips, documents) per second of training (batch size / median update time); null without updates. */
  samples_per_sec: number | null;
  /** Median wall milliseconds per optimizer update (the first update, a warm-up, excluded); null without updates. */
  step_ms: number | null;
  /** Training seconds until the probe first reached the threshold; null if it never did. */
  time_to_accuracy_s: number | null;
  /** The same on the process CPU clock (less sensitive to other load on the machine). */
  cpu_time_to_accuracy_s: number | null;
  /** Updates until the probe first reached the threshold; null if it never did. */
  updates_to_accuracy: number | null;
  /** Probe accuracy at random init (update 0). */
  initial_accuracy: number;
  best_accuracy: number;
  updates: number;
  train_seconds: number;
  batch_size: number;
  /** Masked views per image per update (v2 clones; 1 for v1). */
  views_per_sample: number;
  /** Model FLOPs of one update (matrix products of the student's forward and backward and the teacher's forward; `src/run/flops.ts`), counted on the first update; null without updates. */
  flops_per_update: number | null;
  /** Achieved TFLOP/s: flops_per_update / median update time; null without updates. */
  tflop_per_sec: number | null;
  probes: BenchProbe[];
  /** Where an update's time goes, per kernel (with `profile`). */
  kernel_profile?: KernelProfile;
}

/** The JSON of `data2vec bench --compare v1,v2 --json`: one entry per algorithm plus the threshold. */
export type BenchResult = { threshold: number } & { [algo in Algo]?: BenchAlgoResult };

/**
 * Default accuracy to reach on the bundled Fashion-MNIST with the tiny presets, above
 * either encoder's random-init probe. Measured with this protocol (seed 0, 2,000-image
 * probe subset, wasm): v1 0.412 at init → 0.450 after 120 updates → 0.547 after 240;
 * v2 0.671 at init → 0.522 after 40 (the probe first falls) → 0.686 after 200 → 0.700
 * after 600 (0.704 after 300 at peak LR 2e-3, and the same with 4 clones × 64 images
 * per update). Neither reached 0.75 (nor 0.72) in those runs, and any threshold v1
 * reaches is below v2's random-init value, so the tiny image presets do not yet give a
 * meaningful time to accuracy: pass `threshold` explicitly, and read the probe curves.
 */
export const DEFAULT_BENCH_THRESHOLD = 0.75;

/**
 * Default threshold per modality. Speech (bundled spoken digits, 12 held-out voices,
 * whole splits): random init probes at 0.425 (v1 tiny) and 0.350 (v2 tiny); after 200
 * updates v1 tiny reached 0.400 and v2 tiny 0.567, so 0.5 lies above both random inits.
 * Text (41 supersenses): neither tiny run beat its random init (0.27), so 0.35.
 */
export const BENCH_THRESHOLDS: Readonly<Record<Modality, number>> = Object.freeze({ image: DEFAULT_BENCH_THRESHOLD, audio: 0.5, text: 0.35 });

/** The threshold `bench` uses for a modality when none is given. */
export function defaultBenchThreshold(modality: Modality = 'image'): number {
  return BENCH_THRESHOLDS[modality];
}

/** The command-line flag of each bench option, for error messages. */
const FLAG: Record<'probeEvery' | 'maxUpdates' | 'probeTrainSize' | 'probeTestSize', string> = {
  probeEvery: '--probe-every', maxUpdates: '--max-updates', probeTrainSize: 'probeTrainSize', probeTestSize: 'probeTestSize',
};

/** Throws one sentence for an option the protocol cannot run with; returns the threshold in force. */
function checkOptions(o: BenchOptions): number {
  const m = o.modality ?? 'image';
  if (!(m in BENCH_THRESHOLDS)) throw new Error(`--modality ${m} is not one of ${Object.keys(BENCH_THRESHOLDS).join(', ')}.`);
  const t = o.threshold ?? defaultBenchThreshold(m);
  if (!(t > 0 && t < 1)) throw new Error(`--threshold is ${t}; give an accuracy between 0 and 1.`);
  for (const key of Object.keys(FLAG) as (keyof typeof FLAG)[]) {
    const v = o[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`${FLAG[key]} is ${v}; it must be a positive integer.`);
  }
  if (o.profile !== undefined && !(Number.isInteger(o.profile) && o.profile > 0)) throw new Error(`--profile is ${o.profile}; give a positive number of updates to profile.`);
  if (o.maxSeconds !== undefined && !(o.maxSeconds > 0)) throw new Error(`--max-seconds is ${o.maxSeconds}; it must be a positive number of seconds.`);
  const algos = o.algos ?? ['v1', 'v2'];
  if (algos.length === 0) throw new Error('--compare is empty; name at least one of v1, v2.');
  for (const a of algos) if (a !== 'v1' && a !== 'v2') throw new Error(`--compare lists "${a}"; use v1, v2 or v1,v2.`);
  return t;
}

/** Train one algorithm under the bench protocol. */
async function benchOne(algo: Algo, o: BenchOptions, threshold: number): Promise<BenchAlgoResult> {
  const seed = o.seed ?? 0;
  const modality = o.modality ?? 'image';
  const recipe = getRecipe(modality, algo);
  const config = recipe.config(o.preset ?? 'tiny', { ...o.overrides, seed });
  const data = recipe.loadData(config);
  const probeData = recipe.probeSubset ? recipe.probeSubset(data, { train: o.probeTrainSize, test: o.probeTestSize }, seed) : data;
  const setup = recipe.build(config, data);
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  const maxUpdates = Math.min(o.maxUpdates ?? config.trainer.updates, config.trainer.updates);
  const probeEvery = o.probeEvery ?? 25;
  const probes: BenchProbe[] = [];
  const stepMs: number[] = [];
  let seconds = 0;
  let cpuSeconds = 0;
  let reached: BenchProbe | undefined;
  let flopsPerUpdate: number | null = null;
  let kernelProfile: KernelProfile | undefined;
  let updates = 0;
  const probe = async (): Promise<BenchProbe> => {
    setup.encoder.eval();
    const train = await recipe.features(setup.encoder, config, probeData, 'train');
    const test = await recipe.features(setup.encoder, config, probeData, 'test');
    setup.encoder.train();
    const accuracy = (await linearProbe(train, test, data.numClasses, { seed })).accuracy;
    const p = { update: trainer.updatesDone, seconds, cpu_seconds: cpuSeconds, accuracy };
    probes.push(p);
    o.onProbe?.(algo, p);
    return p;
  };
  try {
    let p = await probe();
    if (p.accuracy >= threshold) reached = p;
    while (!reached && trainer.updatesDone < maxUpdates && (o.maxSeconds === undefined || seconds < o.maxSeconds)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      // The first update (a warm-up, left out of the median) is also where the FLOPs are counted.
      if (flopsPerUpdate === null) flopsPerUpdate = (await countFlops(() => trainer.step())).flops;
      else await trainer.step();
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      stepMs.push(ms);
      seconds += ms / 1000;
      cpuSeconds += (c.user + c.system) / 1e6;
      if (trainer.updatesDone % probeEvery === 0 || trainer.updatesDone === maxUpdates) {
        p = await probe();
        if (p.accuracy >= threshold) reached = p;
      }
    }
    // a run stopped by the clock between probes gets its last updates probed too
    if (probes[probes.length - 1].update !== trainer.updatesDone) {
      p = await probe();
      if (p.accuracy >= threshold) reached = p;
    }
    updates = trainer.updatesDone;
    if (o.profile !== undefined) kernelProfile = await profileUpdates(() => trainer.step(), o.profile);
  } finally {
    trainer.dispose();
    setup.objective.dispose();
  }
  const steady = stepMs.length > 1 ? stepMs.slice(1) : stepMs;
  const stepMedian = median(steady);
  const batch = config.trainer.batchSize * config.trainer.accumulation;
  const views = (config as { data2vec?: { clones?: number } }).data2vec?.clones ?? 1;
  return {
    samples_per_sec: steady.length ? batch / (stepMedian / 1000) : null,
    step_ms: steady.length ? stepMedian : null,
    time_to_accuracy_s: reached ? reached.seconds : null,
    cpu_time_to_accuracy_s: reached ? reached.cpu_seconds : null,
    updates_to_accuracy: reached ? reached.update : null,
    initial_accuracy: probes[0].accuracy,
    best_accuracy: Math.max(...probes.map((q) => q.accuracy)),
    updates,
    train_seconds: seconds,
    batch_size: batch,
    views_per_sample: views,
    flops_per_update: flopsPerUpdate,
    tflop_per_sec: steady.length && flopsPerUpdate !== null ? flopsPerUpdate / (stepMedian / 1000) / 1e12 : null,
    probes,
    ...(kernelProfile ? { kernel_profile: kernelProfile } : {}),
  };
}

/**
 * Train each algorithm with the same seed, data and probe protocol and report
 * throughput and time to a fixed probe accuracy (the `data2vec bench` command).
 */
export async function benchCompare(options: BenchOptions = {}): Promise<BenchResult> {
  const threshold = checkOptions(options);
  const result: BenchResult = { threshold };
  for (const algo of options.algos ?? ['v1', 'v2']) result[algo] = await benchOne(algo, options, threshold);
  return result;
}

/** v2 / v1 ratios of throughput, update speed and time to accuracy (null where either side has no number), for printing. */
export function benchRatios(r: BenchResult): { samples_per_sec: number | null; step_ms: number | null; time_to_accuracy: number | null; cpu_time_to_accuracy: number | null } | undefined {
  const a = r.v1;
  const b = r.v2;
  if (!a || !b) return undefined;
  const ratio = (x: number | null, y: number | null) => (x !== null && y !== null && y > 0 ? x / y : null);
  return {
    samples_per_sec: ratio(b.samples_per_sec, a.samples_per_sec),
    step_ms: ratio(a.step_ms, b.step_ms),
    time_to_accuracy: ratio(a.time_to_accuracy_s, b.time_to_accuracy_s),
    cpu_time_to_accuracy: ratio(a.cpu_time_to_accuracy_s, b.cpu_time_to_accuracy_s),
  };
}

function seconds(x: number | null): string {
  return x === null ? 'not reached' : `${x.toFixed(1)} s`;
}

function fixed(x: number | null, digits: number, suffix = ''): string {
  return x === null ? 'n/a' : `${x.toFixed(digits)}${suffix}`;
}

/** Human-readable summary of a bench result (what `npm run bench` and `data2vec bench` print). */
export function formatBench(r: BenchResult): string {
  const lines = [`threshold: linear-probe test accuracy ≥ ${r.threshold}`];
  for (const algo of ['v1', 'v2'] as const) {
    const a = r[algo];
    if (!a) continue;
    lines.push(
      `${algo}: ${fixed(a.samples_per_sec, 1)} samples/s, ${fixed(a.step_ms, 0)} ms/update (batch ${a.batch_size} × ${a.views_per_sample} views), ` +
        `${a.flops_per_update === null ? 'n/a' : (a.flops_per_update / 1e9).toPrecision(3)} GFLOP/update, ${a.tflop_per_sec === null ? 'n/a' : a.tflop_per_sec.toPrecision(3)} TFLOP/s achieved, ` +
        `time to accuracy ${seconds(a.time_to_accuracy_s)} (cpu ${seconds(a.cpu_time_to_accuracy_s)}, ${a.updates_to_accuracy ?? '-'} updates), ` +
        `accuracy ${a.initial_accuracy.toFixed(3)} at init → best ${a.best_accuracy.toFixed(3)} in ${a.updates} updates`,
    );
    if (a.kernel_profile) lines.push(`${algo} ${formatKernelProfile(a.kernel_profile)}`);
  }
  const ratios = benchRatios(r);
  if (ratios) {
    lines.push(
      `v2/v1: ${fixed(ratios.samples_per_sec, 2, '×')} samples/s, ${fixed(ratios.step_ms, 2, '×')} faster updates, ` +
        `time to accuracy ${fixed(ratios.time_to_accuracy, 2, '× faster')} (cpu ${fixed(ratios.cpu_time_to_accuracy, 2, '×')})`,
    );
  }
  return lines.join('\n');
}

/** The backend the bench ran on, for reports. */
export function benchBackend(): string {
  return currentBackend()?.name ?? tf.getBackend();
}
