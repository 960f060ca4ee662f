/**
 * A matrix-product worker that dies holding a chunk (src/backend/matmul-pool.ts)
 * makes the product fail with one clear line after the stall limit, instead of
 * the main thread waiting forever; the pool is then closed, so later products
 * run on the main thread alone.
 */
import { expect } from 'chai';
import { BATCHED_MATMUL_SHARED_WASM_BASE64, BATCHED_MATMUL_WASM_BASE64 } from '../../src/backend/kernels/batched-matmul-wasm';
import { MatMulPool, PoolProduct } from '../../src/backend/matmul-pool';
import { BatchedMatMulFn } from '../../src/backend/matmul-rows';
import { decodeBase64, webAssembly } from '../../src/backend/wasm-module';

describe('matrix-product worker pool with a dead worker', function () {
  this.timeout(60_000);

  it('fails the product with a one-line error after the stall limit, then runs nothing more on the pool', async () => {
    const wasm = webAssembly!;
    const size = 1024; // large enough that the worker wakes before the main thread has done every chunk
    const bytes = 4 * size * size;
    const heap = new wasm.Memory({ initial: Math.ceil((3 * bytes + 2 * bytes) / 65536) });
    const kernel = new wasm.Instance(new wasm.Module(decodeBase64(BATCHED_MATMUL_WASM_BASE64)), { env: { memory: heap } }).exports as {
      bmm: BatchedMatMulFn; scratch_bytes(m: number, n: number, k: number, aRow: number): number;
    };
    const values = new Float32Array(heap.buffer, 0, 2 * size * size);
    for (let i = 0; i < values.length; i++) values[i] = ((i * 7919) % 13) / 13 - 0.5;
    const shared = new wasm.Memory({ initial: 1, maximum: 65536, shared: true });
    const stallMs = 400;
    const pool = new MatMulPool(2, new wasm.Module(decodeBase64(BATCHED_MATMUL_SHARED_WASM_BASE64)), shared as never, { stallMs, exitAfterClaim: true });
    await pool.ready();
    expect(pool.online()).to.equal(1);
    const product: PoolProduct = {
      batch: 1, m: size, n: size, k: size, aRow: size, aCol: 1, bRow: size, bCol: 1,
      a: 0, aFirst: 0, b: bytes, bFirst: 0, c: 2 * bytes, aStride: 1, bStride: 1, aItems: [0], bItems: [0],
      aElements: size * size, bElements: size * size, scratchBytes: kernel.scratch_bytes(size, size, size, size),
    };
    const scratch = 3 * bytes;
    let error: Error | undefined;
    let waited = 0;
    // The worker exits only once it has claimed a chunk; on a busy machine the
    // main thread may finish a whole product first, so try a few times.
    for (let attempt = 0; attempt < 20 && error === undefined; attempt++) {
      const t0 = performance.now();
      try {
        expect(pool.run(product, heap.buffer, kernel.bmm, scratch)).to.equal(true);
      } catch (e) {
        error = e as Error;
        waited = performance.now() - t0;
      }
    }
    expect(error, 'the worker never claimed a chunk in 20 products').to.not.equal(undefined);
    expect(error!.message).to.match(/^BatchMatMul: 1 of \d+ chunks of a matrix product were not finished after 0\.4 s without progress \(a matrix-product worker thread died or is stuck\)/);
    expect(error!.message).to.include('--threads 1');
    expect(error!.message.includes('\n')).to.equal(false);
    expect(waited).to.be.at.least(stallMs).and.below(stallMs + 10_000);
    // closed: the next product is left to the caller's single-threaded kernel
    expect(pool.run(product, heap.buffer, kernel.bmm, scratch)).to.equal(false);
  });
});
