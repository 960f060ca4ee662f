/**
 * Whether a long run's memory stays flat (spec §6: a run of any length trains in
 * bounded memory). Samples of live tensors, tensor bytes, the wasm heap and the
 * resident set taken every few updates are judged after a warm-up:
 *
 * - live tensors and tensor bytes: the same value at every sample (a least-squares
 *   slope of exactly 0; one tensor kept per update is a slope of 1,000 per 1,000 updates);
 * - wasm heap: no larger at the last sample than at the first one after warm-up (it
 *   grows on demand and never shrinks, so any growth is memory that stayed in use);
 * - resident set: a least-squares slope below `maxRssSlopeMbPer1000` MB per 1,000
 *   updates (the collector and allocator make it noisy; the bound is set from the noise
 *   of flat runs, see docs/reliability.md). Where the samples say how much of the wasm
 *   heap is resident (`./resident-memory.ts`), the slope judged is that of the resident
 *   set outside the wasm heap: the heap's resident part can rise after warm-up as its
 *   allocator first touches pages of a heap that no longer grows, but never above the
 *   heap's span, which the wasm-heap rule already holds flat. The whole resident set's
 *   slope and the wasm heap's resident part are then shown beside the verdict, not judged.
 */

/** One memory sample of a run. */
export interface MemorySample {
  /** Updates done when the sample was taken. */
  update: number;
  /** Resident set size of the process, MB. */
  rssMb: number;
  /** Bytes the wasm heap spans, MB; null off the wasm backend. */
  heapMb: number | null;
  /** `tf.memory().numTensors`. */
  tensors: number;
  /** `tf.memory().numBytes`, MB. */
  tensorMb: number;
  /** JavaScript heap in use (V8 `heapUsed`), MB: shown beside the resident set, not judged. */
  jsHeapMb?: number;
  /** `process.memoryUsage().external` (memory of C++ objects tied to JavaScript ones, wasm memories included), MB. */
  externalMb?: number;
  /** `process.memoryUsage().arrayBuffers` (ArrayBuffers and Buffers, within `external`), MB. */
  arrayBuffersMb?: number;
  /** Resident part of the wasm heap, MB (Linux only; null where unknown). */
  wasmResidentMb?: number | null;
  /** Resident part of the C heap (glibc's main arena), MB (Linux only). */
  cHeapMb?: number;
  /** Other resident anonymous memory (JavaScript heap, threads, other wasm memories), MB (Linux only). */
  otherAnonMb?: number;
  /** Resident file-backed mappings, MB (Linux only). */
  fileMb?: number;
}

/** What counts as flat. */
export interface FlatnessCriteria {
  /** Samples taken before this many updates are warm-up and not judged. */
  warmupUpdates: number;
  /** Largest resident-set slope accepted, MB per 1,000 updates. */
  maxRssSlopeMbPer1000: number;
}

/** One judged quantity. */
export interface FlatnessCheck {
  name: 'tensors' | 'tensor bytes' | 'wasm heap' | 'rss' | 'rss outside the wasm heap' | 'wasm heap resident';
  pass: boolean;
  /** Least-squares slope per 1,000 updates over the judged samples (MB for sizes). */
  slopePer1000: number;
  /** Its standard error from the residuals about the fitted line (0 with fewer than three samples). */
  slopeStdErrPer1000: number;
  /** Last judged value minus the first. */
  change: number;
  /** The rule, in words. */
  rule: string;
}

/** The verdict on a run's samples. */
export interface FlatnessVerdict {
  pass: boolean;
  /** Samples judged (those at or after the warm-up). */
  judged: number;
  checks: FlatnessCheck[];
  /** Quantities shown beside the verdict, not judged (`pass` says whether they would meet their rule). */
  shown?: FlatnessCheck[];
}

/** Least-squares slope of y over x (0 for fewer than two distinct x). */
export function leastSquaresSlope(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`leastSquaresSlope needs as many y values as x values (got ${y.length} and ${x.length}).`);
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Standard error of the least-squares slope of y over x, from the residuals (0 for fewer than three points). */
export function slopeStandardError(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 3) return 0;
  const slope = leastSquaresSlope(x, y);
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sse = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sse += (y[i] - my - slope * (x[i] - mx)) ** 2;
    sxx += (x[i] - mx) ** 2;
  }
  return sxx === 0 ? 0 : Math.sqrt(sse / (n - 2) / sxx);
}

/** Judge `samples` against `criteria`; needs at least three samples after the warm-up. */
export function judgeFlatness(samples: readonly MemorySample[], criteria: FlatnessCriteria): FlatnessVerdict {
  const judged = samples.filter((s) => s.update >= criteria.warmupUpdates);
  if (judged.length < 3) {
    throw new Error(
      `flatness needs at least 3 samples at or after update ${criteria.warmupUpdates} (the warm-up), got ${judged.length}; run more updates or sample more often.`,
    );
  }
  const x = judged.map((s) => s.update);
  const slope = (y: number[]) => 1000 * leastSquaresSlope(x, y);
  const stdErr = (y: number[]) => 1000 * slopeStandardError(x, y);
  const change = (y: number[]) => y[y.length - 1] - y[0];
  const constant = (name: 'tensors' | 'tensor bytes', y: number[]): FlatnessCheck => ({
    name,
    pass: Math.max(...y) === Math.min(...y),
    slopePer1000: slope(y),
    slopeStdErrPer1000: stdErr(y),
    change: change(y),
    rule: 'the same value at every sample after warm-up (slope exactly 0)',
  });
  const checks: FlatnessCheck[] = [constant('tensors', judged.map((s) => s.tensors)), constant('tensor bytes', judged.map((s) => s.tensorMb))];
  if (judged.every((s) => s.heapMb !== null)) {
    const heap = judged.map((s) => s.heapMb as number);
    checks.push({ name: 'wasm heap', pass: heap[heap.length - 1] <= heap[0], slopePer1000: slope(heap), slopeStdErrPer1000: stdErr(heap), change: change(heap), rule: 'no growth after warm-up' });
  }
  const rss = judged.map((s) => s.rssMb);
  const rssRule = `least-squares slope below ${criteria.maxRssSlopeMbPer1000} MB per 1,000 updates`;
  const slopeCheck = (name: FlatnessCheck['name'], y: number[], rule: string): FlatnessCheck => {
    const s = slope(y);
    return { name, pass: s < criteria.maxRssSlopeMbPer1000, slopePer1000: s, slopeStdErrPer1000: stdErr(y), change: change(y), rule };
  };
  const wasmResident = judged.map((s) => s.wasmResidentMb);
  if (wasmResident.every((v): v is number => typeof v === 'number')) {
    checks.push(slopeCheck('rss outside the wasm heap', rss.map((v, i) => v - wasmResident[i]), rssRule));
    const span = Math.min(...judged.map((s) => s.heapMb ?? 0));
    const resident = { ...slopeCheck('wasm heap resident', wasmResident, `at most the wasm heap's span (${span.toFixed(1)} MB)`), pass: Math.max(...wasmResident) <= span };
    const shown = [slopeCheck('rss', rss, rssRule), resident];
    return { pass: checks.every((c) => c.pass), judged: judged.length, checks, shown };
  }
  checks.push(slopeCheck('rss', rss, rssRule));
  return { pass: checks.every((c) => c.pass), judged: judged.length, checks };
}
