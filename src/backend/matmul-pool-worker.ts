/**
 * One worker thread of the matrix-product pool (`./matmul-pool.ts`): it
 * instantiates the shared-memory variant of the SIMD kernel once on the pool's
 * shared memory, then sleeps on the control block's generation word and, each
 * time a product is published, claims and computes chunks of its output rows
 * until none is left (`./matmul-pool-control.ts`).
 */
import { parentPort, workerData } from 'worker_threads';
import {
  FAILED, GENERATION, ONLINE, OWNERS_BYTE, MAX_CHUNKS, PARAMS_BYTE, ParamIndex, STOP,
  claimChunk, finishChunk,
} from './matmul-pool-control';
import { BatchedMatMulFn, RowProduct, runRows } from './matmul-rows';

/** What the pool hands each worker at start. */
export interface MatMulWorkerData {
  /** The compiled shared-memory kernel. */
  module: object;
  /** The pool's `WebAssembly.Memory({ shared: true })`. */
  memory: { buffer: SharedArrayBuffer };
  control: SharedArrayBuffer;
  /** This worker's index (0-based), which picks its scratch. */
  index: number;
  /** For tests of the pool's stall detection: exit right after claiming a chunk. */
  exitAfterClaim?: boolean;
}

interface WebAssemblyApi {
  Instance: new (module: object, imports: object) => { exports: { bmm: BatchedMatMulFn } };
}

/** The product of the current generation, read from the parameters block and the shared memory. */
function readProduct(params: Float64Array, memory: MatMulWorkerData['memory']): RowProduct {
  const stride = (v: number) => (v < 0 ? undefined : (v as 0 | 1));
  const product: RowProduct = {
    m: params[ParamIndex.M], n: params[ParamIndex.N], k: params[ParamIndex.K],
    aRow: params[ParamIndex.ARow], aCol: params[ParamIndex.ACol], bRow: params[ParamIndex.BRow], bCol: params[ParamIndex.BCol],
    a: params[ParamIndex.A], aFirst: params[ParamIndex.AFirst], b: params[ParamIndex.B], bFirst: params[ParamIndex.BFirst], c: params[ParamIndex.C],
    aStride: stride(params[ParamIndex.AStride]), bStride: stride(params[ParamIndex.BStride]),
  };
  if (params[ParamIndex.Grouped] === 1) {
    product.grouped = {
      size: params[ParamIndex.GroupSize], cRow: params[ParamIndex.CRow],
      aItem: params[ParamIndex.AItem], bItem: params[ParamIndex.BItem], cItem: params[ParamIndex.CItem],
      aGroup: params[ParamIndex.AGroup], bGroup: params[ParamIndex.BGroup], cGroup: params[ParamIndex.CGroup],
    };
  } else if (product.aStride === undefined || product.bStride === undefined) {
    const batch = params[ParamIndex.Batch];
    const items = new Int32Array(memory.buffer, params[ParamIndex.Items], 2 * batch);
    product.aItems = items.subarray(0, batch);
    product.bItems = items.subarray(batch);
    product.aStride = product.bStride = undefined;
  }
  return product;
}

function serve(data: MatMulWorkerData, port: { postMessage(message: unknown): void }): void {
  const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  const { bmm } = new webAssembly.Instance(data.module, { env: { memory: data.memory } }).exports;
  const control = new Int32Array(data.control);
  const params = new Float64Array(data.control, PARAMS_BYTE, ParamIndex.Count);
  const owners = new Uint8Array(data.control, OWNERS_BYTE, MAX_CHUNKS);
  let seen = Atomics.load(control, GENERATION);
  Atomics.add(control, ONLINE, 1);
  port.postMessage('online');
  for (;;) {
    Atomics.wait(control, GENERATION, seen);
    if (Atomics.load(control, STOP) !== 0) return;
    seen = Atomics.load(control, GENERATION);
    if (params[ParamIndex.Generation] !== seen) continue; // a newer product is being written
    const chunks = params[ParamIndex.Chunks];
    const chunkRows = params[ParamIndex.ChunkRows];
    const rows = params[ParamIndex.Rows];
    const scratch = params[ParamIndex.ScratchBase] + data.index * params[ParamIndex.ScratchStride];
    const product = readProduct(params, data.memory);
    for (let chunk = claimChunk(control, seen, chunks); chunk >= 0; chunk = claimChunk(control, seen, chunks)) {
      if (data.exitAfterClaim === true) process.exit(1);
      try {
        runRows(bmm, product, chunk * chunkRows, Math.min(rows, (chunk + 1) * chunkRows), scratch);
        owners[chunk] = 1;
      } catch {
        Atomics.store(control, FAILED, 1);
      }
      finishChunk(control);
    }
  }
}

if (parentPort !== null) serve(workerData as MatMulWorkerData, parentPort);
