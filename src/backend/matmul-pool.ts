/**
 * Matrix products on every core (platform facts: "wasm is the default
 * backend"; the wasm backend runs one thread in Node). A persistent pool of
 * worker threads shares one `WebAssembly.Memory({ shared: true })` with the
 * main thread; each worker instantiates the shared-memory variant of the SIMD
 * kernel on it once (`./matmul-pool-worker.ts`).
 *
 * The tfjs wasm heap is not shared, so workers cannot read it. A product run on
 * the pool is copied in once: A and B into the shared memory, which the main
 * thread alone writes. Then the main thread and the workers claim chunks of
 * output rows (`./matmul-pool-control.ts`): the main thread computes its chunks
 * in place on the tfjs heap, workers into the shared memory, and only the
 * workers' rows of C are copied back. Every output element is summed in k
 * order by the same micro-kernel whichever thread computes it, so results are
 * bit-identical to one thread (`./matmul-rows.ts`). Chunks are claimed, not
 * assigned, so a thread the system delays does not hold the others back.
 *
 * A product is shared only when the kernel time the other threads save
 * exceeds what sharing costs (`chunkPlan`): copying its operands in and the
 * workers' output back, packing B again for each chunk that cuts an item, and
 * a fixed cost per product (waking the workers, and the main thread waiting
 * for the last chunk). The costs are in multiply-adds of kernel time, measured
 * with `bench/pool-threshold.ts` on the 2-core development machine (Node 20,
 * plain SIMD kernel): one float copied costs about 8 multiply-adds, the fixed
 * cost about 2·10⁶ (~75 µs). So the `tiny` preset's 64-wide Linear products
 * (13·10⁶ multiply-adds) are shared and its attention-head products (10·10⁶,
 * with 1·10⁶ floats to copy) stay on the main thread. Chunks are at least
 * `MIN_CHUNK_MACS`. Workers are unreferenced, so they never keep the process
 * alive.
 *
 * A worker that dies or hangs holding a chunk would leave the main thread
 * waiting forever, so it waits in slices and gives up when no chunk has been
 * finished for `stallMs` (default 60 s, `D2V_POOL_STALL_S`): it closes the
 * pool (later products run on the main thread alone) and throws one line
 * saying so. A worker that exits between products is no longer counted.
 */
import { Worker } from 'worker_threads';
import { join } from 'path';
import {
  CONTROL_BYTES, FAILED, GENERATION, MAX_CHUNKS, ONLINE, OWNERS_BYTE, PARAMS_BYTE, ParamIndex, REMAINING, STOP, CLAIM,
  claimChunk, finishChunk, openClaims,
} from './matmul-pool-control';
import { BatchedMatMulFn, RowProduct, runRows } from './matmul-rows';
import type { MatMulWorkerData } from './matmul-pool-worker';

/** Multiply-adds below which a chunk is not worth a thread. */
export const MIN_CHUNK_MACS = 1 << 18;
/** Kernel time, in multiply-adds, of copying one float to or from the shared memory (or packing it again). */
export const COPY_COST_MACS = 8;
/** Kernel time, in multiply-adds, that sharing a product costs besides its copies (wake-up, the wait for the last chunk). */
export const SHARE_COST_MACS = 2_000_000;
/** Default of how long the main thread waits for a chunk to finish before giving up on the pool. */
export const DEFAULT_STALL_MS = 60_000;
/** Slice of each wait, so a stall is noticed within about this long after `stallMs`. */
const WAIT_SLICE_MS = 250;
/** Chunks per thread: enough to even out uneven progress, few enough to repack B rarely. */
const CHUNKS_PER_THREAD = 3;
const PAGE = 65536;
const MAX_PAGES = 65536;

/** A product as the main thread sees it: tfjs heap addresses, with the sizes to copy. */
export interface PoolProduct extends RowProduct {
  batch: number;
  /** float32 elements of the whole A and B tensors. */
  aElements: number;
  bElements: number;
  /** Scratch bytes of one kernel call (`scratch_bytes(m, n, k, aRow)`). */
  scratchBytes: number;
}

interface SharedMemory {
  buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

const align16 = (x: number) => Math.ceil(x / 16) * 16;

/** How a shared product is cut: `chunks` chunks of `chunkRows` output rows (the last one shorter). */
export interface ChunkPlan {
  chunks: number;
  chunkRows: number;
}

/** What `chunkPlan` needs to know of a product. */
export type PlannedProduct = Pick<PoolProduct, 'batch' | 'm' | 'n' | 'k' | 'grouped' | 'aElements' | 'bElements'>;

/**
 * How product `p` is cut for `threads` threads (the main one included), or
 * undefined when it stays on one thread. Cut into at most three chunks per
 * thread of at least `MIN_CHUNK_MACS` multiply-adds each; a chunk holds whole
 * items or part of one item (rows in fours); a grouped product's chunks hold
 * whole groups, so that each chunk's output is one contiguous block. Shared
 * only when the time saved, the product's multiply-adds times (1 − 1/threads),
 * exceeds the cost: `COPY_COST_MACS` per float of A and B copied in, of the
 * workers' share of C copied back and of B packed again by each chunk that
 * cuts an item, plus `SHARE_COST_MACS`.
 */
export function chunkPlan(p: PlannedProduct, threads: number): ChunkPlan | undefined {
  const rows = p.batch * p.m;
  const macs = rows * p.n * p.k;
  // Rows that a chunk must hold a whole multiple of (1: any, in fours within an item).
  const unit = p.grouped === undefined ? 1 : p.grouped.size * p.m;
  const most = Math.min(CHUNKS_PER_THREAD * threads, Math.floor(macs / MIN_CHUNK_MACS), MAX_CHUNKS, rows / unit);
  if (most < 2) return undefined;
  let chunkRows = Math.ceil(rows / most);
  if (unit > 1) chunkRows = Math.ceil(chunkRows / unit) * unit;
  else chunkRows = chunkRows >= p.m ? Math.ceil(chunkRows / p.m) * p.m : Math.min(p.m, Math.ceil(chunkRows / 4) * 4);
  const chunks = Math.ceil(rows / chunkRows);
  if (chunks < 2) return undefined;
  const outputs = outputOffset(p, rows);
  const repacked = chunkRows < p.m ? (chunks - p.batch) * p.k * p.n : 0;
  const cost = COPY_COST_MACS * (p.aElements + p.bElements + (outputs * (threads - 1)) / threads + repacked) + SHARE_COST_MACS;
  return macs * (1 - 1 / threads) > cost ? { chunks, chunkRows } : undefined;
}

/** Element offset in C of output row g (a chunk boundary, or the end: for a grouped product, a group's first row). */
function outputOffset(p: Pick<RowProduct, 'm' | 'n' | 'grouped'>, g: number): number {
  if (p.grouped === undefined) return g * p.n;
  return (g / (p.grouped.size * p.m)) * p.grouped.cGroup;
}

/** What a pool has run: products shared, their chunks, and the chunks workers computed. */
export interface MatMulPoolStats {
  products: number;
  chunks: number;
  workerChunks: number;
}

/** Options of a pool beyond its size. */
export interface MatMulPoolOptions {
  /** Milliseconds without a finished chunk after which a product fails (default `D2V_POOL_STALL_S` or 60 s). */
  stallMs?: number;
  /** For tests: the first worker exits right after claiming its first chunk, as a crashed one would. */
  exitAfterClaim?: boolean;
}

/** The stall limit from `D2V_POOL_STALL_S`, else the default. */
function stallFromEnv(): number {
  const raw = process.env.D2V_POOL_STALL_S;
  if (raw === undefined || raw === '') return DEFAULT_STALL_MS;
  const seconds = Number(raw);
  if (!(seconds > 0)) throw new Error(`D2V_POOL_STALL_S must be a positive number of seconds, got '${raw}'.`);
  return seconds * 1000;
}

/** The worker threads, their shared memory and control block. */
export class MatMulPool {
  readonly stats: MatMulPoolStats = { products: 0, chunks: 0, workerChunks: 0 };
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly words = new Int32Array(this.control);
  private readonly params = new Float64Array(this.control, PARAMS_BYTE, ParamIndex.Count);
  private readonly owners = new Uint8Array(this.control, OWNERS_BYTE, MAX_CHUNKS);
  private readonly workers: Worker[] = [];
  private readonly started: Promise<void>;
  private generation = 0;
  private closed = false;
  private readonly stallMs: number;

  /**
   * @param threads threads in all, the main one included (≥ 2)
   * @param module the compiled shared-memory kernel
   * @param memory a shared memory that the module imports
   */
  constructor(readonly threads: number, module: object, private readonly memory: SharedMemory, options: MatMulPoolOptions = {}) {
    this.stallMs = options.stallMs ?? stallFromEnv();
    const script = join(__dirname, 'matmul-pool-worker.js');
    const starts: Promise<void>[] = [];
    for (let index = 0; index < threads - 1; index++) {
      const workerData: MatMulWorkerData = { module, memory, control: this.control, index, exitAfterClaim: index === 0 && options.exitAfterClaim === true };
      const worker = new Worker(script, { workerData });
      this.workers.push(worker);
      // Referenced until it is online (so awaiting `ready` keeps the process up), then not.
      starts.push(
        new Promise<void>((resolve) => {
          let online = false;
          const done = () => {
            worker.unref();
            resolve();
          };
          worker.once('message', () => {
            online = true;
            done();
          });
          worker.once('error', done);
          worker.once('exit', () => {
            // An online worker that ends no longer takes chunks.
            if (online && !this.closed) Atomics.sub(this.words, ONLINE, 1);
            done();
          });
        }),
      );
    }
    this.started = Promise.all(starts).then(() => undefined);
  }

  /** Workers that have instantiated the kernel and wait for products. */
  online(): number {
    return Atomics.load(this.words, ONLINE);
  }

  /** Resolves once every worker is online or has failed to start. */
  ready(): Promise<void> {
    return this.started;
  }

  /**
   * Run product `p` (addresses in `heap`, the tfjs wasm memory) over the main
   * thread and the online workers. Returns false, having done nothing, when
   * the product is too small to share or no worker is online: the caller runs
   * it alone.
   */
  run(p: PoolProduct, heap: ArrayBuffer, mainBmm: BatchedMatMulFn, mainScratch: number): boolean {
    if (this.closed) return false;
    const workers = Math.min(this.online(), this.threads - 1);
    if (workers < 1) return false;
    const rows = p.batch * p.m;
    const plan = chunkPlan(p, workers + 1);
    if (plan === undefined) return false;
    const { chunks, chunkRows } = plan;

    // Shared memory: item lists, A, B, C, one scratch per worker.
    const grouped = p.grouped;
    const uniform = grouped !== undefined || (p.aStride !== undefined && p.bStride !== undefined);
    const items = 16;
    const a = align16(items + (uniform ? 0 : 8 * p.batch));
    const b = align16(a + 4 * p.aElements);
    const c = align16(b + 4 * p.bElements);
    const scratchStride = align16(p.scratchBytes);
    const scratchBase = align16(c + 4 * outputOffset(p, rows));
    // Scratch for every worker: the ones online need not be the first ones.
    const end = scratchBase + (this.threads - 1) * scratchStride;
    if (!this.fit(end)) return false;

    const shared = new Uint8Array(this.memory.buffer);
    const source = new Uint8Array(heap);
    shared.set(source.subarray(p.a, p.a + 4 * p.aElements), a);
    shared.set(source.subarray(p.b, p.b + 4 * p.bElements), b);
    if (!uniform) {
      const list = new Int32Array(this.memory.buffer, items, 2 * p.batch);
      for (let t = 0; t < p.batch; t++) {
        list[t] = (p.aItems as ArrayLike<number>)[t];
        list[p.batch + t] = (p.bItems as ArrayLike<number>)[t];
      }
    }

    const generation = (this.generation = (this.generation + 1) | 0);
    const q = this.params;
    q[ParamIndex.Generation] = generation;
    q[ParamIndex.M] = p.m;
    q[ParamIndex.N] = p.n;
    q[ParamIndex.K] = p.k;
    q[ParamIndex.ARow] = p.aRow;
    q[ParamIndex.ACol] = p.aCol;
    q[ParamIndex.BRow] = p.bRow;
    q[ParamIndex.BCol] = p.bCol;
    q[ParamIndex.A] = a;
    q[ParamIndex.AFirst] = 0;
    q[ParamIndex.B] = b;
    q[ParamIndex.BFirst] = 0;
    q[ParamIndex.C] = c;
    q[ParamIndex.AStride] = p.aStride ?? -1;
    q[ParamIndex.BStride] = p.bStride ?? -1;
    q[ParamIndex.Items] = items;
    q[ParamIndex.Batch] = p.batch;
    q[ParamIndex.Chunks] = chunks;
    q[ParamIndex.ChunkRows] = chunkRows;
    q[ParamIndex.Rows] = rows;
    q[ParamIndex.ScratchBase] = scratchBase;
    q[ParamIndex.ScratchStride] = scratchStride;
    q[ParamIndex.Grouped] = grouped === undefined ? 0 : 1;
    if (grouped !== undefined) {
      q[ParamIndex.GroupSize] = grouped.size;
      q[ParamIndex.AItem] = grouped.aItem;
      q[ParamIndex.BItem] = grouped.bItem;
      q[ParamIndex.CItem] = grouped.cItem;
      q[ParamIndex.AGroup] = grouped.aGroup;
      q[ParamIndex.BGroup] = grouped.bGroup;
      q[ParamIndex.CGroup] = grouped.cGroup;
      q[ParamIndex.CRow] = grouped.cRow;
    }
    this.owners.fill(0, 0, chunks);
    Atomics.store(this.words, FAILED, 0);
    Atomics.store(this.words, REMAINING, chunks);
    Atomics.store(this.words, CLAIM, openClaims(generation));
    Atomics.store(this.words, GENERATION, generation);
    Atomics.notify(this.words, GENERATION, Math.min(workers, chunks - 1));

    // The main thread's share, in place on the tfjs heap.
    let failure: unknown;
    for (let chunk = claimChunk(this.words, generation, chunks); chunk >= 0; chunk = claimChunk(this.words, generation, chunks)) {
      try {
        runRows(mainBmm, p, chunk * chunkRows, Math.min(rows, (chunk + 1) * chunkRows), mainScratch);
      } catch (e) {
        failure ??= e;
      }
      finishChunk(this.words);
    }
    this.awaitChunks(chunks);
    if (failure !== undefined) throw failure;
    if (Atomics.load(this.words, FAILED) !== 0) throw new Error('BatchMatMul: a matrix-product worker thread failed.');

    // The workers' rows of C, copied back in runs of consecutive chunks.
    this.stats.products++;
    this.stats.chunks += chunks;
    for (let chunk = 0; chunk < chunks; chunk++) {
      if (this.owners[chunk] === 0) continue;
      let last = chunk;
      while (last + 1 < chunks && this.owners[last + 1] === 1) last++;
      this.stats.workerChunks += last - chunk + 1;
      const from = 4 * outputOffset(p, chunk * chunkRows);
      const to = 4 * outputOffset(p, Math.min(rows, (last + 1) * chunkRows));
      source.set(shared.subarray(c + from, c + to), p.c + from);
      chunk = last;
    }
    return true;
  }

  /**
   * Wait until every chunk is finished; when none has finished for `stallMs`
   * (a worker died or hangs holding one), close the pool and throw.
   */
  private awaitChunks(chunks: number): void {
    let last = Atomics.load(this.words, REMAINING);
    let since = performance.now();
    while (last !== 0) {
      Atomics.wait(this.words, REMAINING, last, WAIT_SLICE_MS);
      const left = Atomics.load(this.words, REMAINING);
      if (left !== last) {
        last = left;
        since = performance.now();
      } else if (performance.now() - since >= this.stallMs) {
        void this.close();
        throw new Error(
          `BatchMatMul: ${left} of ${chunks} chunks of a matrix product were not finished after ${(this.stallMs / 1000).toFixed(1)} s without progress ` +
            '(a matrix-product worker thread died or is stuck); the worker pool is closed and products now run on the main thread alone: ' +
            'rerun with --threads 1 if this repeats, or raise D2V_POOL_STALL_S if the machine is that overloaded.',
        );
      }
    }
  }

  /** Grow the shared memory to at least `bytes`; false when it cannot (past 4 GiB). */
  private fit(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) return false;
    try {
      this.memory.grow(pages);
      return true;
    } catch {
      return false;
    }
  }

  /** Stop and end the worker threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.words, STOP, 1);
    Atomics.add(this.words, GENERATION, 1);
    Atomics.notify(this.words, GENERATION);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
