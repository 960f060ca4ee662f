/**
 * The v1 / v2 benchmark (issue "data2vec 2.0: … measure the speed-up"; spec §7.2: P2
 * reports data2vec 2.0 reaching a given accuracy in several times less pretraining
 * time). Each algorithm trains its preset on the same data with the same seed; the
 * training clock counts optimizer updates only, never the probes. The clock stops for
 * the same probe at update 0 and every `probeEverySeconds` training seconds
 * (`probed-training.ts`: a linear probe on frozen mean-pooled features, its L2
 * strength chosen on a validation fifth of the train subset, scored on the test
 * split). The result per algorithm: samples per second, median ms per update, and the
 * training seconds until the probe curve first crosses `threshold`, interpolated
 * between the two probes around the crossing (`accuracy-curve.ts`; null when it
 * never does within `maxUpdates` / `maxSeconds`).
 */
import * as tf from '@tensorflow/tfjs';
import { Algo, BaseRunConfig, Modality, RunOverrides } from '../modalities/recipe';
import { trainWithProbes } from './probed-training';
import { CurvePoint, bestPoint, firstCrossing } from './accuracy-curve';
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
  /** Probe each time the training clock passes a multiple of this many seconds (default {@link DEFAULT_PROBE_EVERY_SECONDS}). */
  probeEverySeconds?: number;
  /** Probe every this many updates instead of on the training clock. */
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

/** Width, blocks (prenet + main), heads and patch size (null for non-image encoders) of an encoder. */
export interface EncoderShape {
  width: number;
  blocks: number;
  heads: number;
  patch: number | null;
}

/** One probe during training (update, training seconds, CPU seconds, accuracy, chosen L2). */
export type BenchProbe = CurvePoint;

/** What one algorithm achieved. */
export interface BenchAlgoResult {
  /** Samples (images, clips, documents) per second of training (batch size / median update time); null without updates. */
  samples_per_sec: number | null;
  /** Median wall milliseconds per optimizer update (the first update, a warm-up, excluded); null without updates. */
  step_ms: number | null;
  /** Training seconds until the probe curve first crossed the threshold (interpolated between probes); 0 when the random-init probe already reached it; null if it never did. */
  time_to_accuracy_s: number | null;
  /** The same on the process CPU clock (less sensitive to other load on the machine). */
  cpu_time_to_accuracy_s: number | null;
  /** Updates done at the first probe at or above the threshold; null if none was. */
  updates_to_accuracy: number | null;
  /** Probe accuracy at random init (update 0). */
  initial_accuracy: number;
  best_accuracy: number;
  updates: number;
  train_seconds: number;
  /** Wall seconds spent probing, outside the training clock. */
  probe_seconds: number;
  batch_size: number;
  /** Masked views per image per update (v2 clones; 1 for v1). */
  views_per_sample: number;
  /** The encoder's shape, to check the comparison is like for like. */
  encoder: EncoderShape;
  /** Model FLOPs of one update (matrix products of the student's forward and backward and the teacher's forward; `src/run/flops.ts`), counted on the first update; null without updates. */
  flops_per_update: number | null;
  /** Achieved TFLOP/s: flops_per_update / median update time; null without updates. */
  tflop_per_sec: number | null;
  probes: BenchProbe[];
  /** Where an update's time goes, per kernel (with `profile`). */
  kernel_profile?: KernelProfile;
}

/** The JSON of `data2vec bench --compare v1,v2 --json`: one entry per algorithm plus the threshold. */
export type BenchResult = {
  threshold: number;
  /** Where the threshold comes from (the measured default, or "given"). */
  threshold_basis: string;
  /** What limits the reading of this result (a threshold met at random init, one never reached, encoders of different shape). */
  notes: string[];
} & { [algo in Algo]?: BenchAlgoResult };

/**
 * Default accuracy to reach on the bundled Fashion-MNIST with the tiny presets, chosen
 * to lie above both encoders' random-init probes, so that a time to it measures
 * pretraining and not the architecture. Measured with this protocol (2,000-image probe
 * subset, L2 chosen on validation, seed 0, wasm): random init v1 0.542, v2 0.700; raw
 * pixels 0.814; so 0.72 (2 points above v2's random init, 88 % of the raw-pixel probe).
 * Both tiny encoders first fall below their random-init probe (v1 0.496 after 97
 * updates, v2 0.545 after 41 and 0.618 after 83 in 5-minute runs; v2 0.700 after 600
 * updates with the earlier fixed-L2 probe, v1 0.547 after 240), so at the presets'
 * lengths v1 does not reach it and v2 reaches it late or not at all; the result's
 * notes say so. Pass `threshold` to compare at another accuracy.
 */
export const DEFAULT_BENCH_THRESHOLD = 0.72;

/**
 * Default threshold per modality, above both tiny random-init probes. Speech (bundled
 * spoken digits, 12 held-out voices, whole splits, 3-segment probe; one clip is 0.8
 * points): with the current weight initialiser (seed 0) the random-init probes are
 * 0.642 (v1) and 0.608 (v2), and in the default 200-update bench v1 stayed at or below
 * its random init while v2 reached 0.892 after 95 updates; 0.70 keeps more than five
 * points above both (the former 0.65 was set against random-init probes of 0.583, from
 * the initialiser before). Text (41 supersenses): random init 0.273 (v1, seed 0; 0.281
 * with the initialiser before), so 0.35.
 */
export const BENCH_THRESHOLDS: Readonly<Record<Modality, number>> = Object.freeze({ image: DEFAULT_BENCH_THRESHOLD, audio: 0.7, text: 0.35 });

export { DEFAULT_PROBE_EVERY_SECONDS } from './probed-training';

/** Where each default threshold comes from, printed with the result. */
export const BENCH_THRESHOLD_BASIS: Readonly<Record<Modality, string>> = Object.freeze({
  image: 'default for images: above both tiny random-init probes (v1 54.6 %, v2 66.6 % at seed 0), 88 % of the raw-pixel probe (81.4 %) on the same 2,000-image subset',
  audio: 'default for speech: above both tiny random-init probes (v1 64.2 %, v2 60.8 % at seed 0 with the 3-segment probe), below what v2 reached in 95 updates (89.2 %)',
  text: 'default for text: above the tiny random-init probe (v1 27.3 % at seed 0)',
});

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
  if (o.probeEverySeconds !== undefined && !(o.probeEverySeconds > 0)) throw new Error(`--probe-every-seconds is ${o.probeEverySeconds}; it must be a positive number of seconds.`);
  const algos = o.algos ?? ['v1', 'v2'];
  if (algos.length === 0) throw new Error('--compare is empty; name at least one of v1, v2.');
  for (const a of algos) if (a !== 'v1' && a !== 'v2') throw new Error(`--compare lists "${a}"; use v1, v2 or v1,v2.`);
  return t;
}

/** Train one algorithm under the bench protocol (`probed-training.ts`). */
async function benchOne(algo: Algo, o: BenchOptions, threshold: number): Promise<BenchAlgoResult> {
  let kernelProfile: KernelProfile | undefined;
  const run = await trainWithProbes({
    modality: o.modality ?? 'image', algo, preset: o.preset, seed: o.seed, overrides: o.overrides,
    probeEverySeconds: o.probeEverySeconds, probeEveryUpdates: o.probeEvery, maxUpdates: o.maxUpdates, maxSeconds: o.maxSeconds,
    probeTrainSize: o.probeTrainSize, probeTestSize: o.probeTestSize,
    stopWhen: (p) => p.accuracy >= threshold,
    onProbe: (p) => o.onProbe?.(algo, p),
    afterTraining: o.profile !== undefined ? async (step) => { kernelProfile = await profileUpdates(step, o.profile!); } : undefined,
  });
  const steady = run.step_ms.length > 1 ? run.step_ms.slice(1) : run.step_ms;
  const stepMedian = median(steady);
  const crossing = firstCrossing(run.probes, threshold);
  return {
    samples_per_sec: steady.length ? run.batch_size / (stepMedian / 1000) : null,
    step_ms: steady.length ? stepMedian : null,
    time_to_accuracy_s: crossing ? crossing.seconds : null,
    cpu_time_to_accuracy_s: crossing ? crossing.cpu_seconds : null,
    updates_to_accuracy: crossing ? run.probes[crossing.probe].update : null,
    initial_accuracy: run.probes[0].accuracy,
    best_accuracy: bestPoint(run.probes).accuracy,
    updates: run.updates,
    train_seconds: run.train_seconds,
    probe_seconds: run.probe_seconds,
    batch_size: run.batch_size,
    views_per_sample: run.views_per_sample,
    encoder: encoderShape(run.config),
    flops_per_update: run.flops_per_update,
    tflop_per_sec: steady.length && run.flops_per_update !== null ? run.flops_per_update / (stepMedian / 1000) / 1e12 : null,
    probes: run.probes,
    ...(kernelProfile ? { kernel_profile: kernelProfile } : {}),
  };
}

/**
 * Train each algorithm with the same seed, data and probe protocol and report
 * throughput and time to a fixed probe accuracy (the `data2vec bench` command).
 */
export async function benchCompare(options: BenchOptions = {}): Promise<BenchResult> {
  const threshold = checkOptions(options);
  const modality = options.modality ?? 'image';
  const result: BenchResult = { threshold, threshold_basis: options.threshold === undefined ? BENCH_THRESHOLD_BASIS[modality] : 'given', notes: [] };
  for (const algo of options.algos ?? ['v1', 'v2']) result[algo] = await benchOne(algo, options, threshold);
  result.notes = benchNotes(result);
  return result;
}

/** The shape of a run config's encoder (prenet and main blocks counted together). */
export function encoderShape(config: BaseRunConfig): EncoderShape {
  const m = (config as { model?: Record<string, unknown> }).model ?? {};
  const num = (k: string) => (typeof m[k] === 'number' ? (m[k] as number) : 0);
  return { width: num('dim'), blocks: num('prenetDepth') + num('depth'), heads: num('heads'), patch: typeof m.patchSize === 'number' ? m.patchSize : null };
}

function shapeText(e: EncoderShape): string {
  return `width ${e.width}, ${e.blocks} blocks, ${e.heads} heads${e.patch === null ? '' : `, patch ${e.patch}`}`;
}

/**
 * What limits the reading of a bench result, one sentence each: an algorithm whose
 * random-init probe already met the threshold (its time 0 measures the architecture,
 * not pretraining), one that never reached it (no time; a ratio against it would be a
 * lower bound at best), encoders of different width, block count or patch, and
 * random-init probes at least `RANDOM_INIT_GAP_NOTE` apart (same shape, different
 * block design).
 */
/** Random-init probes further apart than this (accuracy) get a note: the time ratio then mixes architecture and pretraining. */
export const RANDOM_INIT_GAP_NOTE = 0.05;

export function benchNotes(r: BenchResult): string[] {
  const notes: string[] = [];
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  for (const algo of ['v1', 'v2'] as const) {
    const a = r[algo];
    if (!a) continue;
    if (a.time_to_accuracy_s === 0) notes.push(`${algo}'s random-init probe (${pct(a.initial_accuracy)}) already meets the threshold ${pct(r.threshold)}, so its time 0 measures the architecture, not pretraining; choose a threshold above both random inits.`);
    else if (a.time_to_accuracy_s === null) notes.push(`${algo} did not reach ${pct(r.threshold)} in ${a.updates} updates (${a.train_seconds.toFixed(0)} training seconds; best ${pct(a.best_accuracy)}), so it has no time to accuracy; train longer (--max-updates with a longer --set trainer.updates) or lower --threshold.`);
  }
  if (r.v1 && r.v2) {
    const [e1, e2] = [r.v1.encoder, r.v2.encoder];
    if (e1.width !== e2.width || e1.blocks !== e2.blocks || e1.patch !== e2.patch) notes.push(`the encoders differ in shape (v1: ${shapeText(e1)}; v2: ${shapeText(e2)}), so the times compare different networks.`);
    const gap = r.v2.initial_accuracy - r.v1.initial_accuracy;
    if (Math.abs(gap) >= RANDOM_INIT_GAP_NOTE) {
      const [ahead, behind] = gap > 0 ? ['v2', 'v1'] : ['v1', 'v2'];
      notes.push(`the random-init probes differ by ${(100 * Math.abs(gap)).toFixed(1)} points (v1 ${pct(r.v1.initial_accuracy)}, v2 ${pct(r.v2.initial_accuracy)}) because the block designs differ as in the papers, so ${ahead} starts closer to the threshold and part of any time ratio measures the architecture; ${behind} must also climb that gap.`);
    }
  }
  return notes;
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
  const lines = [`threshold: linear-probe test accuracy ≥ ${r.threshold} (${r.threshold_basis})`];
  for (const algo of ['v1', 'v2'] as const) {
    const a = r[algo];
    if (!a) continue;
    lines.push(
      `${algo}: ${fixed(a.samples_per_sec, 1)} samples/s, ${fixed(a.step_ms, 0)} ms/update (batch ${a.batch_size} × ${a.views_per_sample} views), ` +
        `${a.flops_per_update === null ? 'n/a' : (a.flops_per_update / 1e9).toPrecision(3)} GFLOP/update, ${a.tflop_per_sec === null ? 'n/a' : a.tflop_per_sec.toPrecision(3)} TFLOP/s achieved, ` +
        `time to accuracy ${seconds(a.time_to_accuracy_s)} (cpu ${seconds(a.cpu_time_to_accuracy_s)}, ${a.updates_to_accuracy ?? '-'} updates), ` +
        `accuracy ${a.initial_accuracy.toFixed(3)} at init → best ${a.best_accuracy.toFixed(3)} in ${a.updates} updates (${a.train_seconds.toFixed(0)} training s; probes ${a.probe_seconds.toFixed(0)} s, not counted); ` +
        `encoder ${shapeText(a.encoder)}`,
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
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

/** The backend the bench ran on, for reports. */
export function benchBackend(): string {
  return currentBackend()?.name ?? tf.getBackend();
}
