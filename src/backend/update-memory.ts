/**
 * How much memory one optimizer update needs, measured before training starts
 * (spec §6: one update = teacher targets, student forward and backward, one
 * AdamW step). Activations grow linearly with the batch, so two probe updates on
 * 1 and 2 samples of the first micro-batch (forward + backward, no optimizer step,
 * no change to the model; on larger probes while the parameter gradients still
 * make the peak) give the fixed and the per-sample bytes; the AdamW step
 * adds its two moments and the clipped gradients (3 × the parameter bytes). On
 * the wasm backend the heap has a hard maximum (`heap-meter.ts`), so a batch whose
 * update cannot fit is refused before the first update, with the largest batch
 * that fits, instead of failing with `memory access out of bounds` mid-update.
 */
import * as tf from '@tensorflow/tfjs';
import { meterPeakBytes, WASM_HEAP_MAX_BYTES } from './heap-meter';

/** What the probe needs from a training objective (structurally `Objective` of `src/train/objective.ts`). */
export interface ProbeObjective<B> {
  readonly module: { namedTrainableParameters(): [string, tf.Variable][] };
  prepare(batch: B): Record<string, tf.Tensor>;
  loss(batch: B, prepared: Record<string, tf.Tensor>): { loss: tf.Scalar; scalars: Record<string, tf.Scalar> };
  /** The first `samples` samples of a micro-batch, for an objective whose batches {@link sliceBatch} cannot cut (e.g. per-clone masks). */
  sliceBatch?(batch: B, samples: number): B | undefined;
}

/** The memory model of one update: peak(B) = fixed + perSample · B bytes, beyond what is held before it. */
export interface UpdateMemoryEstimate {
  /** Bytes that do not grow with the batch (parameter gradients, optimizer state and temporaries). */
  fixedBytes: number;
  /** Bytes per sample of a micro-batch (activations saved for the backward pass, their gradients). */
  perSampleBytes: number;
  /** Tensor bytes already held before the update (parameters, teacher, data). */
  heldBytes: number;
  /** Bytes the backend can hold in all; Infinity when it has no fixed limit. */
  capacityBytes: number;
}

/** Fraction of the wasm heap maximum an update may plan to use (the allocator fragments; the heap never shrinks). */
export const HEAP_PLANNING_FRACTION = 0.97;

/** Estimated peak bytes (held + update) of one update at micro-batch `batch`. */
export function estimatedPeakBytes(e: UpdateMemoryEstimate, batch: number): number {
  return e.heldBytes + e.fixedBytes + e.perSampleBytes * batch;
}

/** The largest micro-batch whose update fits `capacityBytes` (0 if none). */
export function largestFittingBatch(e: UpdateMemoryEstimate): number {
  if (!Number.isFinite(e.capacityBytes)) return Infinity;
  const room = e.capacityBytes - e.heldBytes - e.fixedBytes;
  return room <= 0 ? 0 : Math.floor(room / Math.max(e.perSampleBytes, 1));
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GB`;

/** One line for the start of a run: `memory: about 1.23 GB per update at batch 64 (wasm heap limit 3.60 GB, batch ≤ 190)`. */
export function describeUpdateMemory(e: UpdateMemoryEstimate, batch: number): string {
  const limit = Number.isFinite(e.capacityBytes) ? ` (wasm heap limit ${gb(e.capacityBytes)}, batch ≤ ${largestFittingBatch(e)})` : '';
  return `memory: about ${gb(estimatedPeakBytes(e, batch))} at the peak of an update at batch ${batch}${limit}`;
}

/** Throw the one-line refusal when an update at `batch` cannot fit; return otherwise. */
export function assertUpdateFits(e: UpdateMemoryEstimate, batch: number): void {
  const peak = estimatedPeakBytes(e, batch);
  if (peak <= e.capacityBytes) return;
  const fits = largestFittingBatch(e);
  const advice = fits > 0 ? `the largest batch that fits is ${fits}: pass --batch-size ${fits} (and --accumulation to keep the effective batch)` : 'no batch fits: pick a smaller preset';
  throw new Error(
    `batch ${batch} needs about ${gb(peak)} per update, more than the ${gb(e.capacityBytes)} the wasm heap can hold; ${advice}.`,
  );
}

/**
 * The first `samples` samples of a micro-batch: every tensor of a plain object
 * batch whose first dimension is `batchSize` is sliced, other values are shared.
 * Undefined when the batch is not such an object, or holds an object whose
 * layout follows the batch (a 2.0 batch's mask info, rows per sample × clones),
 * which slicing the tensors alone would leave inconsistent (then no estimate is made).
 */
export function sliceBatch<B>(batch: B, batchSize: number, samples: number): B | undefined {
  if (batch === null || typeof batch !== 'object' || batch instanceof tf.Tensor) return undefined;
  if (Object.values(batch as Record<string, unknown>).some((v) => v !== null && typeof v === 'object' && !(v instanceof tf.Tensor))) return undefined;
  let sliced = false;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(batch as Record<string, unknown>)) {
    if (value instanceof tf.Tensor && value.rank > 0 && value.shape[0] === batchSize) {
      out[key] = tf.slice(value, 0, samples);
      sliced = true;
    } else {
      out[key] = value;
    }
  }
  return sliced ? (out as B) : undefined;
}

/** The tensors of a batch, in plain objects and arrays at any depth. */
function tensorsIn(value: unknown, into = new Set<tf.Tensor>()): Set<tf.Tensor> {
  if (value instanceof tf.Tensor) into.add(value);
  else if (Array.isArray(value)) value.forEach((v) => tensorsIn(v, into));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => tensorsIn(v, into));
  return into;
}

/** Dispose the tensors a slice of `batch` made (not those it shares with `batch`). */
function disposeSlice<B>(part: B, batch: B): void {
  const shared = tensorsIn(batch);
  tf.dispose([...tensorsIn(part)].filter((t) => !shared.has(t)));
}

/** Bytes held at the peak of a gradient-only update (targets, forward, backward; the parameters untouched) on `batch`. */
function probePeakBytes<B>(objective: ProbeObjective<B>, batch: B, params: tf.Variable[]): number {
  return meterPeakBytes(() => {
    const prepared = objective.prepare(batch);
    const { value, grads } = tf.variableGrads(() => {
      const out = objective.loss(batch, prepared);
      tf.dispose(out.scalars);
      return out.loss;
    }, params);
    tf.dispose([value, ...Object.values(grads), ...Object.values(prepared)]);
  }).peakBytes;
}

/**
 * Measure the update-memory model on two probe micro-batches (`samples`, default
 * 1 and 2 samples of `batch`); undefined when `batch` cannot be sliced. The
 * model's parameters and optimizer are not changed; a stochastic module draws
 * from its generator, so call this before the trainer reseeds it for update 1.
 */
export function estimateUpdateMemory<B>(
  objective: ProbeObjective<B>,
  batch: B,
  batchSize: number,
  options: { samples?: [number, number]; capacityBytes?: number } = {},
): UpdateMemoryEstimate | undefined {
  const params = objective.module.namedTrainableParameters().map(([, v]) => v);
  const parameterBytes = params.reduce((n, v) => n + v.size * 4, 0);
  const heldBytes = tf.memory().numBytes;
  const peakAt = (samples: number): number | undefined => {
    const part = objective.sliceBatch ? objective.sliceBatch(batch, samples) : sliceBatch(batch, batchSize, samples);
    if (part === undefined) return undefined;
    try {
      return probePeakBytes(objective, part, params);
    } finally {
      disposeSlice(part, batch);
    }
  };
  // On few samples the parameter gradients, not the activations, can make the
  // peak: double the probes until the activations clearly dominate.
  let [s1, s2] = options.samples ?? [1, 2];
  s1 = Math.min(s1, batchSize);
  s2 = Math.min(s2, batchSize);
  let p1 = peakAt(s1);
  let p2 = s2 === s1 ? p1 : peakAt(s2);
  if (p1 === undefined || p2 === undefined) return undefined;
  while (options.samples === undefined && s2 < batchSize && ((p2 - p1) / (s2 - s1)) * s2 < 4 * parameterBytes) {
    [s1, p1] = [s2, p2];
    s2 = Math.min(2 * s2, batchSize);
    p2 = peakAt(s2) as number;
  }
  const peaks = [p1, p2];
  const perSampleBytes = s2 > s1 ? Math.max(0, (peaks[1] - peaks[0]) / (s2 - s1)) : peaks[1] / s2;
  // AdamW: two moments, plus the clipped copy of the gradients.
  const fixedBytes = Math.max(0, peaks[0] - perSampleBytes * s1) + 3 * parameterBytes;
  const capacityBytes = options.capacityBytes ?? (tf.getBackend() === 'wasm' ? WASM_HEAP_MAX_BYTES * HEAP_PLANNING_FRACTION : Infinity);
  return { fixedBytes, perSampleBytes, heldBytes, capacityBytes };
}
