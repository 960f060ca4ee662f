/**
 * What every streamed corpus shares (issue "throughput" and "bad input"; spec §2
 * batches as pure functions of the global batch position): decoding on a
 * `WorkerPool` of `workers` threads (0: on the training thread), a bounded
 * `Prefetcher` keeping `prefetch` batches in production ahead of training, one
 * `SkipLog` counting unreadable files, and, for sources read in order (tar
 * shards), batches made one after another so the samples each takes depend only
 * on the seed. Image and speech streams subclass it with their decoders.
 */
import { Prefetcher } from './prefetch';
import { SkipLog } from './skip-log';
import { WorkerJobError, WorkerPool, defaultWorkerCount } from './worker-pool';

/** How streamed data is read: decode threads, batches made ahead, tolerated share of bad files. */
export interface LoaderConfig {
  /** Worker threads decoding; 0 = one per core less one (at least 1). */
  workers: number;
  /** Batches made ahead of training. */
  prefetch: number;
  /** Stop once more than this share of files is unreadable. */
  maxSkipRate: number;
}

/** Default loader: automatic worker count, 2 batches ahead, 1 % skips. */
export const DEFAULT_LOADER: LoaderConfig = Object.freeze({ workers: 0, prefetch: 2, maxSkipRate: 0.01 });

/** Decode threads of a loader config (0 means one per core less one). */
export const workersOf = (loader: LoaderConfig): number => (loader.workers > 0 ? loader.workers : defaultWorkerCount());

/** Options every streamed source takes. */
export interface StreamedSourceOptions {
  /** Worker threads decoding (0: decode on this thread). Default 1. */
  workers?: number;
  /** Batches produced ahead of the one being trained on. Default 2. */
  prefetch?: number;
  /** Where skipped files are counted (a fresh 1 % log by default). */
  skips?: SkipLog;
  /** The files were already counted as seen when their folder was scanned (`skips` is that scan's log): decoding then adds only those found unreadable, so a file counts once. */
  scanned?: boolean;
}

/** True when `e` says one input is bad (`fileError`, or the same error thrown on a worker), not that the code failed. */
export function isBadInput(e: unknown, fileError: abstract new (...args: never[]) => Error): e is Error & { kind: string } {
  return e instanceof fileError || (e instanceof WorkerJobError && e.kind !== 'error');
}

export abstract class StreamedSource<J, R, B> {
  /** Decode threads; undefined when decoding on this thread. */
  protected readonly pool?: WorkerPool<J, R>;
  private readonly prefetcher: Prefetcher<B>;
  private chain: Promise<unknown> = Promise.resolve();
  /** Files (or samples) read and skipped. */
  readonly skips: SkipLog;

  /**
   * @param workerScript the worker module (`serveJobs`) decoding jobs of type J
   * @param unit what the skip log counts (`files`, `samples`)
   * @param inOrder make batch p only after batch p − 1 (sources read sequentially, such as shards)
   */
  constructor(workerScript: string, options: StreamedSourceOptions, unit: string, private readonly inOrder = false) {
    this.skips = options.skips ?? new SkipLog(unit);
    const workers = options.workers ?? 1;
    if (workers > 0) this.pool = new WorkerPool(workerScript, workers);
    this.prefetcher = new Prefetcher((p) => this.produce(p), options.prefetch ?? 2);
  }

  /** Make batch position p (no prefetching). */
  protected abstract makeBatch(p: number): Promise<B>;

  private produce(p: number): Promise<B> {
    if (!this.inOrder) return this.makeBatch(p);
    const made = this.chain.then(() => this.makeBatch(p));
    this.chain = made.catch(() => undefined);
    return made;
  }

  /** `job` on a worker thread, or `inline()` on this thread without workers. */
  protected decodeJob(job: J, inline: () => Promise<R>): Promise<R> {
    return this.pool ? this.pool.run(job) : inline();
  }

  /** Milliseconds the last `batch` call waited. */
  get lastWaitMs(): number {
    return this.prefetcher.lastWaitMs;
  }

  /** Batch position p, prefetching the next ones. */
  batch(p: number): Promise<B> {
    return this.prefetcher.take(p);
  }

  /** Stop the workers. */
  close(): Promise<void> {
    return this.pool?.close() ?? Promise.resolve();
  }
}
