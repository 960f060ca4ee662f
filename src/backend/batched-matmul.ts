/**
 * Fast matrix products on the wasm backend (platform facts: "wasm is the default
 * backend"). tfjs 4.22's wasm `BatchMatMul` sends a 2-D product without transpose
 * flags to XNNPACK, but any product with batch > 1 or a transpose flag to a plain
 * loop at ~1 GFLOP/s; attention's products (logits q·kᵀ, probs·v) and the
 * gradients of every product (which carry the flags) all took that loop.
 *
 * `registerBatchedMatMul` replaces the wasm `BatchMatMul` kernel: every float32
 * product, batched or 2-D, with or without flags, runs in a WebAssembly SIMD
 * kernel (`kernels/batched-matmul.wat`: 4×8 register tiles, B packed in
 * cache-sized blocks of 8-column panels, strided reads for the transposes) that
 * works in place on the backend's own memory. Non-float32 inputs, empty outputs,
 * size mismatches (for tfjs's error message) and backends whose memory it cannot
 * import (no SIMD, or a threaded build's shared memory) stay on the original
 * kernel. Batch dims broadcast like numpy (tfjs's own kernels only handle one side
 * of size 1 or both equal). Each output element is the float32 dot product summed
 * in k order (a product rounded, then added, no fused multiply-add). Products
 * whose sharing saves more than it costs (`chunkPlan`) are shared between the
 * main thread and worker threads (`./matmul-pool.ts`, `setMatMulThreads`),
 * with bit-identical results.
 *
 * Measured with `bench/matmul.ts` (GFLOP/s of CPU time, best of 3; shared 2-core
 * Xeon at 2.5 GHz; plain / transposeA / transposeB):
 *
 *   shape                   tfjs kernel          this kernel
 *   256×(50,16,50)   logits 1.0 / 1.0 / 1.0      10.8 / 10.7 / 10.6
 *   256×(50,50,16)   p·v    1.2 / 1.1 / 1.2      12.5 / 12.8 / 12.7
 *   256×(16,50,50)   dk     1.2 / 1.2 / 1.2      11.2 / 11.0 / 11.4
 *   1024×(16,16,16)         1.0 / 1.0 / 1.0      10.8 / 11.6 / 12.0
 *   64×(128,32,128)         1.3 / 1.3 / 1.3      17.6 / 16.7 / 16.7
 *   64×(256,256,64)         1.3 / 1.3 / 1.2      18.1 / 17.0 / 18.2
 *   1×(3200,64,256)  Linear 14.5 (XNNPACK) / 1.2 / 1.2   18.9 / 16.5 / 18.9
 *
 * One attention forward + backward (256 heads, T = 50, head dim 16) fell from 129
 * to 20 ms of CPU, and a tiny image v1 training step from ~1.67 to ~1.04 s.
 * Tried and dropped: unrolling the k loop by 2 (slower), and keeping XNNPACK
 * for plain 2-D products (slower than this kernel on every shape measured, up to
 * 1024×1024×1024, by ~20 % alone and ~35 % inside a training step).
 */
import * as tf from '@tensorflow/tfjs';
import {
  BATCHED_MATMUL_FMA_WASM_BASE64, BATCHED_MATMUL_SHARED_FMA_WASM_BASE64, BATCHED_MATMUL_SHARED_WASM_BASE64, BATCHED_MATMUL_WASM_BASE64,
} from './kernels/batched-matmul-wasm';
import { MatMulPool, MatMulPoolStats, PoolProduct } from './matmul-pool';
import { runRows } from './matmul-rows';
import { defaultThreads } from './matmul-threads';
import { WasmBackendInternals, decodeBase64, heapOffset, importableHeap, instantiateOnHeap, webAssembly } from './wasm-module';

/** Exports of `kernels/batched-matmul.wat`. */
export interface BatchedMatMulExports {
  scratch_bytes(m: number, n: number, k: number, aRow: number): number;
  bmm(
    batch: number,
    a: number, aBatch: number, aRow: number, aCol: number,
    b: number, bBatch: number, bRow: number, bCol: number,
    c: number, cBatch: number, cRow: number, m: number, n: number, k: number,
    scratch: number,
  ): void;
}

let compiled: object | undefined;
/** One kernel instance per backend object (null: this backend cannot host it). */
let instances = new WeakMap<object, BatchedMatMulExports | null>();
/** The memory each backend's kernel instance works on. */
const heaps = new WeakMap<object, { buffer: ArrayBuffer }>();
let fusedSupported: boolean | undefined;
let fusedWanted = true;
let threads = defaultThreads();
/** The worker pool for `threads` > 1 (null: it could not start here), made on first use. */
let pool: MatMulPool | null | undefined;

/**
 * Whether this JavaScript engine runs relaxed SIMD (`f32x4.relaxed_madd`): the
 * fused kernel validates. Node 22+ ships it; Node 20 only with
 * `--experimental-wasm-relaxed-simd`.
 */
export function fusedMultiplyAddSupported(): boolean {
  fusedSupported ??= webAssembly !== undefined && webAssembly.validate(decodeBase64(BATCHED_MATMUL_FMA_WASM_BASE64));
  return fusedSupported;
}

/**
 * Use the fused multiply-add kernel where supported (the default) or the plain
 * SIMD one (`false`): fused products round once per multiply-add, so results
 * differ from the plain kernel's in the last bits.
 */
export function useFusedMultiplyAdd(enabled: boolean): void {
  if (enabled === fusedWanted) return;
  fusedWanted = enabled;
  compiled = undefined;
  instances = new WeakMap();
  closePool(); // its workers run the other variant
}

/**
 * Run float32 products on `n` threads: the main thread and n − 1 workers
 * sharing the work (bit-identical results for any n). 1 runs the
 * single-threaded kernel with no pool. The default is one per core.
 */
export function setMatMulThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`the number of matrix-product threads must be a positive integer, got ${n}.`);
  if (n === threads) return;
  threads = n;
  closePool();
}

/** Threads that float32 products on the wasm backend are set to use. */
export function matMulThreads(): number {
  return threads;
}

function closePool(): void {
  const old = pool;
  pool = undefined;
  if (old) void old.close();
}

/** The pool for the current thread count and kernel variant, started on first use; undefined for one thread. */
function poolFor(): MatMulPool | undefined {
  if (threads < 2 || webAssembly === undefined) return undefined;
  if (pool === undefined) {
    try {
      const variant = matMulKernelVariant() === 'fma' ? BATCHED_MATMUL_SHARED_FMA_WASM_BASE64 : BATCHED_MATMUL_SHARED_WASM_BASE64;
      const memory = new webAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
      pool = new MatMulPool(threads, new webAssembly.Module(decodeBase64(variant)), memory as unknown as ConstructorParameters<typeof MatMulPool>[2]);
    } catch {
      pool = null; // no shared memory or threads here: one thread
    }
  }
  return pool ?? undefined;
}

/**
 * Start the matrix-product worker threads now (they otherwise start on the
 * first large product) and wait until they are ready. Resolves with the
 * threads that will share products: 1 when set to one thread or when no
 * worker could start.
 */
export async function startMatMulThreads(): Promise<number> {
  const p = poolFor();
  if (p === undefined) return 1;
  await p.ready();
  return 1 + p.online();
}

/**
 * What the current worker pool has run (zeros when there is none): products
 * shared between threads, their chunks of rows, and the chunks workers computed.
 */
export function matMulThreadStats(): MatMulPoolStats {
  return pool ? { ...pool.stats } : { products: 0, chunks: 0, workerChunks: 0 };
}

/** End the matrix-product worker threads (they restart on the next large product). */
export async function stopMatMulThreads(): Promise<void> {
  const old = pool;
  pool = undefined;
  if (old) await old.close();
}

/** Which kernel float32 products run in: `fma` (relaxed SIMD) or `simd`. */
export function matMulKernelVariant(): 'fma' | 'simd' {
  return fusedWanted && fusedMultiplyAddSupported() ? 'fma' : 'simd';
}

/** The kernel instantiated on `backend`'s memory, or undefined when that memory cannot be shared. */
function kernelFor(backend: WasmBackendInternals): BatchedMatMulExports | undefined {
  let kernel = instances.get(backend);
  if (kernel === undefined) {
    kernel = instantiateOnHeap<BatchedMatMulExports>(backend, () => {
      compiled ??= new webAssembly!.Module(decodeBase64(matMulKernelVariant() === 'fma' ? BATCHED_MATMUL_FMA_WASM_BASE64 : BATCHED_MATMUL_WASM_BASE64));
      return compiled;
    }) ?? null;
    const heap = importableHeap(backend);
    if (kernel !== null && heap !== undefined) heaps.set(backend, heap);
    instances.set(backend, kernel);
  }
  return kernel ?? undefined;
}

/**
 * The single-thread SIMD kernel on `backend`'s memory, or undefined where it
 * cannot run there; for kernels that lay out their own products
 * (`./head-matmul.ts`).
 */
export function batchedMatMulKernel(backend: WasmBackendInternals): BatchedMatMulExports | undefined {
  return kernelFor(backend);
}

/**
 * Run `f` with `bytes` of 16-byte-aligned scratch on `backend`'s heap (freed
 * after); `kernel` names the caller in the error for a full heap.
 */
export function withKernelScratch(backend: WasmBackendInternals, bytes: number, kernel: string, f: (scratch: number) => void): void {
  // emscripten's _malloc returns a signed i32: past 2 GiB the pointer is negative
  // until made unsigned; 0 means the heap is exhausted.
  const scratch = backend.wasm._malloc(bytes + 16) >>> 0;
  if (scratch === 0) throw new Error(`${kernel}: the wasm heap is full (4 GiB); use a smaller --batch-size.`);
  try {
    f(Math.ceil(scratch / 16) * 16); // pointers may exceed 2³¹: no signed bit operators
  } finally {
    backend.wasm._free(scratch);
  }
}

/**
 * Run product `p` (addresses on `backend`'s heap) in `kernel`: over the worker
 * pool when it is worth sharing (`./matmul-pool.ts`), else on the main thread
 * alone; bit-identical either way. `name` names the caller in errors.
 */
export function runProduct(backend: WasmBackendInternals, kernel: BatchedMatMulExports, name: string, p: Omit<PoolProduct, 'scratchBytes'>): void {
  const scratchBytes = kernel.scratch_bytes(p.m, p.n, p.k, p.aRow);
  withKernelScratch(backend, scratchBytes, name, (scratch) => {
    const shared = poolFor();
    const heap = heaps.get(backend);
    if (shared !== undefined && heap !== undefined && shared.run({ ...p, scratchBytes }, heap.buffer, kernel.bmm, scratch)) return;
    runRows(kernel.bmm, p, 0, p.batch * p.m, scratch);
  });
}

/**
 * For each item of the broadcast batch `outShape`, the index of the matching item
 * of an operand whose batch shape is `shape` (numpy broadcasting, as `tf.matMul`).
 */
export function broadcastItems(shape: number[], outShape: number[]): number[] {
  const padded = [...new Array<number>(outShape.length - shape.length).fill(1), ...shape];
  const size = tf.util.sizeFromShape(outShape);
  const items = new Array<number>(size);
  for (let o = 0; o < size; o++) {
    let rest = o;
    let index = 0;
    let stride = 1;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const coord = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
      if (padded[d] !== 1) index += coord * stride;
      stride *= padded[d];
    }
    items[o] = index;
  }
  return items;
}

/** Item stride for one call over the whole batch: 1 (one item each), 0 (one shared item) or undefined (neither). */
function uniformStride(items: number[]): 0 | 1 | undefined {
  if (items.every((v, i) => v === i)) return 1;
  if (items.every((v) => v === 0)) return 0;
  return undefined;
}

/** Whether this call stays on the original kernel: not float32, a size mismatch (reported there) or an empty output. */
function useOriginal(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return true;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (a.shape[ra - (transposeA ? 2 : 1)] !== b.shape[rb - (transposeB ? 1 : 2)]) return true;
  const m = a.shape[ra - (transposeA ? 1 : 2)];
  const n = b.shape[rb - (transposeB ? 2 : 1)];
  return m === 0 || n === 0 || tf.util.sizeFromShape(a.shape.slice(0, -2)) === 0 || tf.util.sizeFromShape(b.shape.slice(0, -2)) === 0;
}

/**
 * The SIMD batched product C = op(A)·op(B) on `backend`, or undefined when the
 * kernel cannot run there. Shapes must already be checked (`useOriginal`).
 */
function simdBatchMatMul(
  backend: WasmBackendInternals,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo | undefined {
  const kernel = kernelFor(backend);
  if (kernel === undefined) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = a.shape[ra - (transposeA ? 1 : 2)];
  const k = a.shape[ra - (transposeA ? 2 : 1)];
  const n = b.shape[rb - (transposeB ? 2 : 1)];
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const aItems = broadcastItems(aBatchShape, outBatchShape);
  const bItems = broadcastItems(bBatchShape, outBatchShape);

  const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
  const offset = (x: tf.TensorInfo) => heapOffset(backend, x.dataId, 'BatchMatMul');
  // Element strides: A(i, p) = a[i*aRow + p*aCol], B(p, j) = b[p*bRow + j*bCol].
  const aRow = transposeA ? 1 : k;
  const aCol = transposeA ? m : 1;
  const bRow = transposeB ? 1 : n;
  const bCol = transposeB ? k : 1;
  const aPtr = offset(a);
  const bPtr = offset(b);
  const cPtr = offset(out);
  const aStride = uniformStride(aItems);
  const bStride = uniformStride(bItems);
  runProduct(backend, kernel, 'BatchMatMul', {
    batch: aItems.length, m, n, k, aRow, aCol, bRow, bCol,
    a: aPtr, aFirst: 0, b: bPtr, bFirst: 0, c: cPtr,
    aStride, bStride, aItems, bItems,
    aElements: tf.util.sizeFromShape(a.shape), bElements: tf.util.sizeFromShape(b.shape),
  });
  return out;
}

let installed = false;

/**
 * Whether float32 products on the current backend, batched and transposed ones
 * included, run in the SIMD kernel (wasm backend, `registerBatchedMatMul`
 * called, its memory importable).
 */
export function batchedMatMulActive(): boolean {
  if (!installed || tf.getBackend() !== 'wasm') return false;
  return kernelFor(tf.backend() as unknown as WasmBackendInternals) !== undefined;
}

/**
 * Replace the wasm backend's `BatchMatMul` kernel with one that runs float32
 * products in the SIMD kernel and delegates the rest to the original. Safe to
 * call many times, before or after the backend starts.
 */
export function registerBatchedMatMul(): void {
  if (installed) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (original === undefined) return;
  installed = true;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!useOriginal(a, b, transposeA, transposeB)) {
        const out = simdBatchMatMul(args.backend as unknown as WasmBackendInternals, a, b, transposeA, transposeB);
        if (out !== undefined) return out;
      }
      return original.kernelFunc(args);
    },
  });
}
