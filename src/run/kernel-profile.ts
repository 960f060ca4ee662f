/**
 * Where an update's time goes, per kernel (issue "Train on a real GPU", speed
 * targets: "say where the time goes, per kernel, from a profile"): a few updates run
 * under `tf.profile`, and every kernel call is summed by kernel name: calls, total
 * milliseconds, share of the profiled updates' wall time, and for the matrix
 * products and convolutions the achieved GFLOP/s (FLOPs from the input and output
 * shapes, `kernelFlops` in `flops.ts`, divided by the kernel's own time).
 *
 * Kernel time: on `webgpu` with the adapter's `timestamp-query` feature, GPU time
 * of the kernel's shader passes (timestamps); on `wasm`/`cpu`, wall time of the
 * kernel call (it runs synchronously there); on `webgpu` without timestamps, the
 * host's dispatch time only, labelled as such (it is not GPU time).
 *
 * Profiled updates are separate from timed ones: profiling ends every shader pass
 * with a timestamp query and a submit, so it slows the device down; throughput is
 * measured without it, and `update_ms` here is the profiled updates' own wall time.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelFlops } from './flops';

/** One kernel call as `tf.profile` reports it, with its time in milliseconds. */
export interface KernelCall {
  name: string;
  ms: number;
  inputShapes: readonly (readonly number[] | null)[];
  outputShapes: readonly (readonly number[] | null)[];
}

/** What the kernel times are (see the file header). */
export type KernelTimeSource = 'gpu-timestamps' | 'wall-per-kernel' | 'dispatch-only';

/** One kernel name, summed over every profiled update. */
export interface KernelProfileRow {
  kernel: string;
  calls: number;
  /** Kernel time summed over all calls and profiled updates. */
  total_ms: number;
  /** total_ms per profiled update. */
  ms_per_update: number;
  /** total_ms / the profiled updates' wall time. */
  share: number;
  /** FLOPs of these calls (matrix products and convolutions; 0 for other kernels). */
  flops: number;
  /** flops / total_ms, for kernels with FLOPs and a nonzero kernel time; null otherwise (and for dispatch-only times, which are not the kernel's run time). */
  gflop_per_sec: number | null;
}

/** A per-kernel profile of `updates` updates. */
export interface KernelProfile {
  time_source: KernelTimeSource;
  updates: number;
  /** Mean wall milliseconds of a profiled update (slower than an unprofiled one). */
  update_ms: number;
  /** Summed kernel time per update; the rest of update_ms is host work and idle device time. */
  kernel_ms_per_update: number;
  /** Kernel calls per update. */
  calls_per_update: number;
  /** The `top` kernels by total time, largest first. */
  kernels: KernelProfileRow[];
  /** Every other kernel, summed into one row (absent when there is none). */
  rest?: KernelProfileRow;
}

/**
 * Sum kernel calls by name: rows sorted by total time (ties by name), the first
 * `top` kept and the rest folded into one row. `updateMs` is the wall time of each
 * profiled update (shares are of their sum).
 */
export function aggregateKernelCalls(calls: readonly KernelCall[], updateMs: readonly number[], timeSource: KernelTimeSource, top = 15): KernelProfile {
  const updates = updateMs.length;
  if (updates === 0) throw new Error('aggregateKernelCalls: no profiled update to aggregate.');
  const wall = updateMs.reduce((a, b) => a + b, 0);
  const byName = new Map<string, { calls: number; ms: number; flops: number }>();
  for (const c of calls) {
    const row = byName.get(c.name) ?? { calls: 0, ms: 0, flops: 0 };
    row.calls++;
    row.ms += c.ms;
    row.flops += kernelFlops(c.name, c.inputShapes, c.outputShapes);
    byName.set(c.name, row);
  }
  const row = (kernel: string, r: { calls: number; ms: number; flops: number }): KernelProfileRow => ({
    kernel,
    calls: r.calls,
    total_ms: r.ms,
    ms_per_update: r.ms / updates,
    share: wall > 0 ? r.ms / wall : 0,
    flops: r.flops,
    gflop_per_sec: r.flops > 0 && r.ms > 0 && timeSource !== 'dispatch-only' ? r.flops / (r.ms / 1000) / 1e9 : null,
  });
  const rows = [...byName].map(([k, r]) => row(k, r)).sort((a, b) => b.total_ms - a.total_ms || a.kernel.localeCompare(b.kernel));
  const kept = rows.slice(0, top);
  const others = rows.slice(top);
  const kernelMs = rows.reduce((s, r) => s + r.total_ms, 0);
  const profile: KernelProfile = {
    time_source: timeSource,
    updates,
    update_ms: wall / updates,
    kernel_ms_per_update: kernelMs / updates,
    calls_per_update: calls.length / updates,
    kernels: kept,
  };
  if (others.length > 0) {
    const sum = (f: (r: KernelProfileRow) => number) => others.reduce((s, r) => s + f(r), 0);
    profile.rest = row(`${others.length} other kernels`, { calls: sum((r) => r.calls), ms: sum((r) => r.total_ms), flops: sum((r) => r.flops) });
  }
  return profile;
}

interface TimedBackend {
  time: (f: () => void) => Promise<{ kernelMs: number | { error: string } }>;
  supportTimestampQuery?: boolean;
}

/** What the active backend's kernel times measure. */
export function kernelTimeSource(): KernelTimeSource {
  if (tf.getBackend() !== 'webgpu') return 'wall-per-kernel';
  return (tf.backend() as unknown as TimedBackend).supportTimestampQuery ? 'gpu-timestamps' : 'dispatch-only';
}

/**
 * Run `update` `updates` times under `tf.profile` and aggregate its kernels (see
 * {@link aggregateKernelCalls}). Reads nothing synchronously.
 */
export async function profileUpdates(update: () => Promise<unknown>, updates: number, top = 15): Promise<KernelProfile> {
  if (!(Number.isInteger(updates) && updates >= 1)) throw new Error(`--profile is ${updates}; give a positive number of updates to profile.`);
  const source = kernelTimeSource();
  const backend = tf.backend() as unknown as TimedBackend;
  const original = backend.time;
  // Without timestamps the webgpu backend reports 0 per kernel; time the dispatch on the host instead.
  if (source === 'dispatch-only') {
    backend.time = async (f) => {
      const t0 = performance.now();
      f();
      return { kernelMs: performance.now() - t0 };
    };
  }
  const calls: KernelCall[] = [];
  const updateMs: number[] = [];
  try {
    for (let i = 0; i < updates; i++) {
      const t0 = performance.now();
      const info = await tf.profile(async () => {
        await update();
        return [];
      });
      updateMs.push(performance.now() - t0);
      for (const k of info.kernels) {
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        calls.push({ name: k.name, ms, inputShapes: k.inputShapes as (number[] | null)[], outputShapes: k.outputShapes as (number[] | null)[] });
      }
    }
  } finally {
    backend.time = original;
  }
  return aggregateKernelCalls(calls, updateMs, source, top);
}

const TIME_SOURCE_TEXT: Record<KernelTimeSource, string> = {
  'gpu-timestamps': 'GPU timestamps',
  'wall-per-kernel': 'wall clock per kernel',
  'dispatch-only': 'host dispatch time only (the adapter has no timestamp-query: not GPU time)',
};

/** The profile as a text table (what `data2vec bench --profile` prints). */
export function formatKernelProfile(p: KernelProfile): string {
  const lines = [
    `kernel profile (${TIME_SOURCE_TEXT[p.time_source]}; ${p.updates} profiled update${p.updates === 1 ? '' : 's'} of ${p.update_ms.toFixed(1)} ms, ` +
      `${p.kernel_ms_per_update.toFixed(1)} ms in ${Math.round(p.calls_per_update)} kernel calls per update):`,
    `  ${'kernel'.padEnd(26)} ${'ms/update'.padStart(10)} ${'share'.padStart(7)} ${'calls'.padStart(7)} ${'GFLOP/s'.padStart(9)}`,
  ];
  for (const r of p.rest ? [...p.kernels, p.rest] : p.kernels) {
    lines.push(
      `  ${r.kernel.padEnd(26)} ${r.ms_per_update.toFixed(2).padStart(10)} ${(100 * r.share).toFixed(1).padStart(6)}% ${String(r.calls).padStart(7)} ` +
        `${r.gflop_per_sec === null ? '-'.padStart(9) : r.gflop_per_sec.toFixed(1).padStart(9)}`,
    );
  }
  return lines.join('\n');
}
