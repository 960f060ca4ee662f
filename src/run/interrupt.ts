/**
 * Interrupting a run from outside its caller (design "a long run never loses finished
 * work"): every running {@link pretrain} is listed in a process-wide registry, so a host
 * that owns the interrupt, such as the Jupyter kernel (Kernel → Interrupt sends it
 * SIGINT), can stop them after their current update, with a checkpoint, instead of
 * abandoning a cell whose training goes on in the background. The registry lives on
 * `globalThis` under a `Symbol.for` key, so the kernel reaches it without loading the
 * library, and two copies of the library share it.
 */

const KEY = Symbol.for('data2vec-ts.running-runs');

function registry(): Set<AbortController> {
  const g = globalThis as unknown as Record<symbol, Set<AbortController> | undefined>;
  return (g[KEY] ??= new Set());
}

/**
 * A controller for one run, aborted by `signal` (the caller's) or by
 * {@link interruptRunning}; call `release` when the run ends.
 */
export function registerRun(signal?: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (signal?.aborted) abort();
  signal?.addEventListener('abort', abort, { once: true });
  registry().add(controller);
  return {
    signal: controller.signal,
    release: () => {
      signal?.removeEventListener('abort', abort);
      registry().delete(controller);
    },
  };
}

/** Ask every running run of this process to stop after its current update; returns how many were running. */
export function interruptRunning(): number {
  const running = [...registry()].filter((c) => !c.signal.aborted);
  running.forEach((c) => c.abort());
  return running.length;
}
