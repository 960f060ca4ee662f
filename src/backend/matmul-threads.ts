/**
 * How many threads run matrix products on the wasm backend (`./matmul-pool.ts`):
 * the `--threads` flag, then the `D2V_THREADS` environment variable, then one per
 * core (`os.availableParallelism()`). One thread is the single-threaded kernel
 * exactly, with no pool.
 */
import * as os from 'os';

/** Most threads accepted (one per core on the largest machines, with room). */
export const MAX_THREADS = 256;

/** One thread per core the process may use. */
export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * The thread count asked for: `flag` (a number, or the text of `--threads`),
 * then `D2V_THREADS`, then {@link defaultThreads}. Throws a one-line error
 * naming the source for anything but a whole number from 1 to 256.
 */
export function requestedThreads(flag?: number | string): number {
  const env = process.env.D2V_THREADS;
  const source = flag !== undefined ? '--threads' : 'D2V_THREADS';
  const raw = flag !== undefined ? String(flag) : env !== undefined && env.trim() !== '' ? env : undefined;
  if (raw === undefined) return defaultThreads();
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new Error(`${source} is "${raw}", which is not a thread count; use a whole number from 1 to ${MAX_THREADS} (1 runs matrix products on the main thread only).`);
  }
  return n;
}
