/**
 * The wasm SIMD `BatchMatMul` kernel (src/backend/batched-matmul.ts): values
 * against the cpu backend on random shapes and transposes, the exact float32
 * k-order sum it documents, broadcasting of batch dims, edge sizes, speed floor,
 * and no tensor or heap leak; the relaxed-SIMD fused kernel (in a Node started with
 * relaxed SIMD) against a float64 reference.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'child_process';
import { resolve } from 'path';
import { Rng } from '../../src/util/rng';
import { batchedMatMulActive, broadcastItems, useFusedMultiplyAdd } from '../../src/backend/batched-matmul';

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/** Operand shape for m×k (or its transpose) with the given batch dims. */
const operand = (batch: number[], rows: number, cols: number, transposed: boolean) =>
  transposed ? [...batch, cols, rows] : [...batch, rows, cols];

/** Values of `f()` computed on the cpu backend, then back to wasm. */
async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend('wasm');
  }
}

/** A(i,k) of item t from flat row-major data of shape [batch, m, k] or its transpose. */
function entry(data: Float32Array, t: number, rows: number, cols: number, i: number, j: number, transposed: boolean): number {
  return transposed ? data[t * rows * cols + j * rows + i] : data[t * rows * cols + i * cols + j];
}

/** Plain float32 dot products summed in k order (Math.fround after every operation). */
function float32Reference(
  a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, ta: boolean, tb: boolean,
): Float32Array {
  const out = new Float32Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          acc = Math.fround(acc + Math.fround(entry(a, t, m, k, i, p, ta) * entry(b, t, k, n, p, j, tb)));
        }
        out[(t * m + i) * n + j] = acc;
      }
    }
  }
  return out;
}

describe('wasm batched matMul kernel', () => {
  before(function () {
    if (tf.getBackend() !== 'wasm') this.skip();
  });

  it('is active on the wasm backend', () => {
    expect(batchedMatMulActive()).to.equal(true);
  });

  it('matches the cpu backend within float32 rounding on random shapes and transposes (property)', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (batch, m, k, n, ta, tb, seed) => {
          const rng = new Rng(seed);
          const aShape = operand([batch], m, k, ta);
          const bShape = operand([batch], k, n, tb);
          const aData = rng.normalArray(size(aShape));
          const bData = rng.normalArray(size(bShape));
          const got = tf.tidy(() => tf.matMul(tf.tensor(aData, aShape), tf.tensor(bData, bShape), ta, tb));
          const values = got.dataSync();
          expect(got.shape).to.deep.equal([batch, m, n]);
          got.dispose();
          const [ref, absRef] = await onCpu(() =>
            tf.tidy(() => {
              const a = tf.tensor(aData, aShape);
              const b = tf.tensor(bData, bShape);
              return [tf.matMul(a, b, ta, tb).dataSync(), tf.matMul(tf.abs(a), tf.abs(b), ta, tb).dataSync()];
            }),
          );
          // Sequential float32 sums err by at most ~k·2⁻²⁴·Σ|a||b|; allow twice that plus the reference's own.
          for (let i = 0; i < values.length; i++) {
            const bound = (k + 2) * 2 ** -23 * absRef[i] + 1e-30;
            if (!(Math.abs(values[i] - ref[i]) <= bound)) {
              throw new Error(`[${batch},${m},${k},${n}] ta=${ta} tb=${tb}: element ${i} is ${values[i]}, cpu ${ref[i]}`);
            }
          }
          runs++;
        },
      ),
      { numRuns: 60, seed: 20240611 },
    );
    expect(runs).to.equal(60);
  });

  it('returns exactly the float32 dot products summed in k order, on tile edges and both transposes', () => {
    useFusedMultiplyAdd(false); // the plain SIMD kernel (fused products round once)
    const rng = new Rng('exact');
    // m, n around the 4×8 tile: full tiles, edge rows, edge columns, k not a multiple of 4;
    // k >= 128 (transposed A copied to a panel); several blocks of B panels (k = 600: 6 panels
    // a block, k = 4100: 1 panel a block).
    const shapes = [[3, 4, 8, 8], [2, 5, 7, 9], [2, 11, 13, 17], [1, 3, 1, 2], [4, 50, 16, 50], [2, 9, 130, 12], [2, 6, 600, 90], [1, 5, 4100, 17]];
    for (const [batch, m, k, n] of shapes) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const aShape = operand([batch], m, k, ta);
        const bShape = operand([batch], k, n, tb);
        const aData = rng.normalArray(size(aShape));
        const bData = rng.normalArray(size(bShape));
        const got = tf.tidy(() => tf.matMul(tf.tensor(aData, aShape), tf.tensor(bData, bShape), ta, tb));
        const want = float32Reference(aData, bData, batch, m, k, n, ta, tb);
        expect(Array.from(got.dataSync()), `[${batch},${m},${k},${n}] ta=${ta} tb=${tb}`).to.deep.equal(Array.from(want));
        got.dispose();
      }
    }
    useFusedMultiplyAdd(true);
  });

  it('broadcasts batch dims like numpy, item by item', () => {
    expect(broadcastItems([2, 1], [2, 3])).to.deep.equal([0, 0, 0, 1, 1, 1]);
    expect(broadcastItems([1, 3], [2, 3])).to.deep.equal([0, 1, 2, 0, 1, 2]);
    expect(broadcastItems([3], [2, 3])).to.deep.equal([0, 1, 2, 0, 1, 2]);
    expect(broadcastItems([], [2, 2])).to.deep.equal([0, 0, 0, 0]);
    const rng = new Rng('broadcast');
    const cases: [number[], number[]][] = [
      [[2, 1, 5, 7], [1, 3, 7, 9]], // both sides broadcast: one call per item
      [[4, 5, 7], [7, 9]], // rank 3 × rank 2: b shared by every item
      [[1, 5, 7], [3, 7, 9]], // a shared by every item
      [[2, 3, 5, 7], [3, 7, 9]],
    ];
    for (const [aShape, bShape] of cases) {
      const aData = rng.normalArray(size(aShape));
      const bData = rng.normalArray(size(bShape));
      const got = tf.tidy(() => tf.matMul(tf.tensor(aData, aShape), tf.tensor(bData, bShape)));
      const outBatch = got.shape.slice(0, -2);
      const [m, n] = got.shape.slice(-2);
      const k = aShape[aShape.length - 1];
      const aItems = broadcastItems(aShape.slice(0, -2), outBatch);
      const bItems = broadcastItems(bShape.slice(0, -2), outBatch);
      const values = got.dataSync();
      for (let t = 0; t < aItems.length; t++) {
        const a = aData.subarray(aItems[t] * m * k, (aItems[t] + 1) * m * k);
        const b = bData.subarray(bItems[t] * k * n, (bItems[t] + 1) * k * n);
        const want = float32Reference(a, b, 1, m, k, n, false, false);
        expect(Array.from(values.subarray(t * m * n, (t + 1) * m * n)), `${aShape} × ${bShape}, item ${t}`).to.deep.equal(Array.from(want));
      }
      got.dispose();
    }
  });

  it('gives zeros for k = 0 and empty results for empty outputs', () => {
    const zeros = tf.tidy(() => tf.matMul(tf.zeros([3, 2, 0]), tf.zeros([3, 0, 5])));
    expect(zeros.shape).to.deep.equal([3, 2, 5]);
    expect(Array.from(zeros.dataSync())).to.deep.equal(new Array(30).fill(0));
    const empty = tf.tidy(() => tf.matMul(tf.ones([3, 0, 4]), tf.ones([3, 4, 5]), false, false));
    expect(empty.shape).to.deep.equal([3, 0, 5]);
    tf.dispose([zeros, empty]);
  });

  it('rejects mismatched inner sizes with tfjs\'s message', () => {
    expect(() => tf.matMul(tf.ones([2, 3, 4]), tf.ones([2, 5, 6]))).to.throw(/inner shapes \(4\) and \(5\)/);
  });

  it('runs attention-sized products at several GFLOP/s of CPU time', () => {
    const a = tf.randomNormal([256, 50, 16]);
    const b = tf.randomNormal([256, 16, 50]);
    tf.matMul(a, b).dispose();
    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const reps = 10;
    const t0 = cpu();
    for (let i = 0; i < reps; i++) tf.matMul(a, b).dispose();
    const gflops = (2 * 256 * 50 * 16 * 50 * reps) / (cpu() - t0) / 1e9;
    tf.dispose([a, b]);
    // tfjs's own kernel runs this at ~1 GFLOP/s; the SIMD kernel at ~10.
    expect(gflops).to.be.greaterThan(3);
  });

  it('leaks no tensors and no wasm heap over repeated calls', () => {
    const a = tf.randomNormal([8, 64, 64]);
    const b = tf.randomNormal([8, 2048, 64]);
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    tf.matMul(a, b, false, true).dispose();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const heapBefore = heap();
    // Each call needs ~0.5 MB of packing scratch: 100 leaked calls would grow the heap by 50 MB.
    for (let i = 0; i < 100; i++) tf.matMul(a, b, false, true).dispose();
    expect(tf.memory().numTensors).to.equal(tensors);
    expect(tf.memory().numBytes).to.equal(bytes);
    expect(heap()).to.equal(heapBefore);
    tf.dispose([a, b]);
  });

  it('runs the fused multiply-add kernel within float32 rounding where relaxed SIMD is on', function () {
    this.timeout(60_000);
    const dist = (p: string) => JSON.stringify(resolve(__dirname, '..', '..', p));
    const script = `
      const tf = require(${dist('../node_modules/@tensorflow/tfjs')});
      const { initBackend } = require(${dist('src/backend/select.js')});
      const { matMulKernelVariant } = require(${dist('src/backend/batched-matmul.js')});
      const { Rng } = require(${dist('src/util/rng.js')});
      (async () => {
        await initBackend('wasm');
        const rng = new Rng('fma');
        let worst = 0;
        for (const [t, m, k, n] of [[2, 5, 7, 9], [2, 11, 130, 17], [1, 64, 600, 40], [3, 4, 8, 8]]) {
          for (const [ta, tb] of [[false, false], [true, false], [false, true]]) {
            const a = rng.normalArray(t * m * k), b = rng.normalArray(t * k * n);
            const got = tf.matMul(tf.tensor(a, ta ? [t, k, m] : [t, m, k]), tf.tensor(b, tb ? [t, n, k] : [t, k, n]), ta, tb).dataSync();
            for (let q = 0; q < t; q++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
              let exact = 0, scale = 0;
              for (let p = 0; p < k; p++) {
                const x = ta ? a[q * m * k + p * m + i] : a[q * m * k + i * k + p];
                const y = tb ? b[q * k * n + j * k + p] : b[q * k * n + p * n + j];
                exact += Math.fround(x) * Math.fround(y);
                scale += Math.abs(Math.fround(x) * Math.fround(y));
              }
              worst = Math.max(worst, Math.abs(got[(q * m + i) * n + j] - exact) / (scale * k * 2 ** -24));
            }
          }
        }
        console.log(JSON.stringify({ variant: matMulKernelVariant(), worst }));
      })();`;
    const run = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    const { variant, worst } = JSON.parse(run.stdout.trim().split('\n').pop() as string) as { variant: string; worst: number };
    expect(variant).to.equal('fma');
    // Each of the k multiply-adds rounds once: the error is below k·2⁻²⁴ of Σ|a·b|.
    expect(worst).to.be.below(1);
  });
});
