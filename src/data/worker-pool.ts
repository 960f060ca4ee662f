/**
 * A fixed pool of worker threads that run one job kind (issue "throughput":
 * decoding and augmentation off the training thread). Each worker loads a
 * module that calls `serveJobs(handler)`; `run(job)` posts the job to the
 * worker with the fewest jobs in flight and resolves with its result. Large
 * byte arrays in results travel as transferred buffers, not copies. A worker
 * that dies fails its pending jobs with the cause, never hangs them. Idle
 * workers do not keep the process alive; a worker with jobs out does.
 */
import { Worker, isMainThread, parentPort, TransferListItem } from 'worker_threads';
import * as os from 'os';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** A worker-side error, rebuilt on the main thread with its kind. */
export class WorkerJobError extends Error {
  constructor(message: string, readonly kind: string, readonly file?: string) {
    super(message);
  }
}

/** Default worker count: one per core, less the training thread's, at least 1. */
export function defaultWorkerCount(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

export class WorkerPool<J, R> {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  /**
   * @param script absolute path of the compiled worker module (it calls `serveJobs`)
   * @param size number of threads (≥ 1)
   */
  constructor(readonly script: string, readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`the number of data workers must be a positive integer, got ${size}.`);
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: new Worker(script), pending: new Map() };
      slot.worker.on('message', (msg: { id: number; result?: unknown; error?: { message: string; kind: string; file?: string } }) => {
        const p = slot.pending.get(msg.id);
        if (!p) return;
        slot.pending.delete(msg.id);
        if (slot.pending.size === 0) slot.worker.unref();
        if (msg.error) p.reject(new WorkerJobError(msg.error.message, msg.error.kind, msg.error.file));
        else p.resolve(msg.result);
      });
      const failAll = (error: Error): void => {
        for (const p of slot.pending.values()) p.reject(error);
        slot.pending.clear();
      };
      slot.worker.on('error', (e) => failAll(new Error(`a data worker (${script}) failed: ${e.message}`)));
      slot.worker.on('exit', (code) => {
        if (!this.closed) failAll(new Error(`a data worker (${script}) exited with code ${code} while jobs were pending.`));
      });
      slot.worker.unref();
      this.slots.push(slot);
    }
  }

  /** Run one job on the least busy worker. */
  run(job: J, transfer: TransferListItem[] = []): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the data worker pool is closed.'));
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      slot.worker.ref(); // keep the process alive while a job is out; idle workers do not

      slot.worker.postMessage({ id, job }, transfer);
    });
  }

  /** Stop every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/**
 * Worker side: answer each `{id, job}` with `handler(job)`. The handler returns
 * the result and the buffers to transfer; a thrown error goes back with its
 * `kind` and `file` when it has them.
 */
export function serveJobs<J, R>(handler: (job: J) => Promise<{ result: R; transfer?: TransferListItem[] }>): void {
  if (isMainThread || !parentPort) throw new Error('serveJobs runs only inside a worker thread.');
  const port = parentPort;
  port.on('message', async ({ id, job }: { id: number; job: J }) => {
    try {
      const { result, transfer } = await handler(job);
      port.postMessage({ id, result }, transfer ?? []);
    } catch (e) {
      const err = e as Error & { kind?: string; file?: string };
      port.postMessage({ id, error: { message: err.message, kind: err.kind ?? 'error', file: err.file } });
    }
  });
}
