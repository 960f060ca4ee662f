/**
 * A soak run (spec §6, long runs in bounded memory): an ordinary `pretrain` (trainer,
 * metrics log, atomic checkpoints and report, EMA teacher, the recipe's batch source)
 * for many updates, sampling the resident set, the wasm heap and tfjs's live tensors
 * and bytes before the first update and every `every` updates, then judging the
 * samples with {@link judgeFlatness}. Each sample also says where the resident set
 * lies (`process.memoryUsage()`'s external and ArrayBuffer memory; on Linux the wasm
 * heap's resident pages, the C heap, other anonymous memory and mapped files), so a
 * growing resident set can be traced to the memory that grows.
 */
import * as tf from '@tensorflow/tfjs';
import { pretrain, PretrainSummary } from './pretrain';
import { RunOverrides } from '../modalities/recipe';
import { MetricsRow } from '../train/metrics-log';
import { wasmHeapBytes } from '../backend/heap-meter';
import { FlatnessCriteria, FlatnessVerdict, MemorySample, judgeFlatness } from './flatness';
import { residentBreakdown } from './resident-memory';

export interface SoakOptions {
  modality: string;
  algo: string;
  preset?: string;
  updates: number;
  /** Sample every this many updates (default 100). */
  every?: number;
  overrides?: RunOverrides;
  /** Run folder (checkpoints, metrics, report). */
  out: string;
  criteria: FlatnessCriteria;
  /** Called before each sample (e.g. a full garbage collection, so the resident set counts what is still referenced). */
  beforeSample?: () => void;
  onSample?: (sample: MemorySample, secondsSoFar: number) => void;
  /** Write report.html at each checkpoint and at the end (default true, as `pretrain`). */
  report?: boolean;
  /** Passed to `pretrain` (after the sampler). */
  onUpdate?: (row: MetricsRow) => void;
}

export interface SoakResult {
  samples: MemorySample[];
  verdict: FlatnessVerdict;
  summary: PretrainSummary;
}

const MB = 2 ** 20;

/** One memory sample now. */
export function memorySample(update: number): MemorySample {
  const m = tf.memory();
  const heap = wasmHeapBytes();
  const usage = process.memoryUsage();
  const resident = residentBreakdown(heap);
  return {
    update,
    rssMb: usage.rss / MB,
    heapMb: heap === undefined ? null : heap / MB,
    tensors: m.numTensors,
    tensorMb: m.numBytes / MB,
    jsHeapMb: usage.heapUsed / MB,
    externalMb: usage.external / MB,
    arrayBuffersMb: usage.arrayBuffers / MB,
    ...(resident && { wasmResidentMb: resident.wasmHeapMb, cHeapMb: resident.cHeapMb, otherAnonMb: resident.otherAnonMb, fileMb: resident.fileMb }),
  };
}

/** Pretrain `updates` updates while sampling memory, and judge whether it stayed flat. */
export async function soak(options: SoakOptions): Promise<SoakResult> {
  const every = options.every ?? 100;
  if (!Number.isInteger(every) || every < 1) throw new Error(`the soak's sampling interval must be an integer >= 1, got ${every}.`);
  const samples: MemorySample[] = [];
  const started = Date.now();
  const take = (update: number) => {
    options.beforeSample?.();
    const s = memorySample(update);
    samples.push(s);
    options.onSample?.(s, (Date.now() - started) / 1000);
  };
  const summary = await pretrain({
    modality: options.modality,
    algo: options.algo,
    preset: options.preset ?? 'tiny',
    overrides: { ...options.overrides, steps: options.updates },
    out: options.out,
    report: options.report,
    onStart: () => take(0),
    onUpdate: (row) => {
      if (row.step % every === 0 || row.step === options.updates) take(row.step);
      options.onUpdate?.(row);
    },
  });
  return { samples, verdict: judgeFlatness(samples, options.criteria), summary };
}
