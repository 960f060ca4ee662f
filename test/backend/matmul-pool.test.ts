/**
 * Matrix products on several threads (src/backend/matmul-pool.ts): every
 * product, split over the main thread and workers, is bit-identical to the
 * single-threaded kernel (the same micro-kernel sums each element in k order);
 * odd shapes, broadcasts and long runs of calls; seeded pretraining gives the
 * same losses on 1 and 2 threads; the thread count's sources and errors; and a
 * process with a running pool (of the fused kernel) exits by itself.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import {
  batchedMatMulActive, matMulThreadStats, matMulThreads, setMatMulThreads, startMatMulThreads, stopMatMulThreads,
} from '../../src/backend/batched-matmul';
import { ChunkPlan, chunkPlan } from '../../src/backend/matmul-pool';
import { defaultThreads, requestedThreads } from '../../src/backend/matmul-threads';
import { pretrain } from '../../src/run/pretrain';
import { Rng } from '../../src/util/rng';

/** batch dims of A and B, m, k, n, transposes. */
type Case = [number[], number[], number, number, number, boolean, boolean];

/** Seeded operands of each case: uniform values in [-1, 1). */
function operands(cases: Case[], seed: number): [Float32Array, Float32Array][] {
  const rng = new Rng(seed);
  const fill = (length: number) => Float32Array.from({ length }, () => 2 * rng.next() - 1);
  const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
  return cases.map(([aBatch, bBatch, m, k, n]) => [fill(size([...aBatch, m, k])), fill(size([...bBatch, k, n]))]);
}

/** The outputs of the cases' products on `threads` threads. */
async function products(threads: number, cases: Case[], inputs: [Float32Array, Float32Array][]): Promise<Float32Array[]> {
  setMatMulThreads(threads);
  expect(await startMatMulThreads()).to.equal(threads);
  return cases.map(([aBatch, bBatch, m, k, n, ta, tb], i) =>
    tf.tidy(() => {
      const a = tf.tensor(inputs[i][0], [...aBatch, ...(ta ? [k, m] : [m, k])]);
      const b = tf.tensor(inputs[i][1], [...bBatch, ...(tb ? [n, k] : [k, n])]);
      return tf.matMul(a, b, ta, tb).dataSync() as Float32Array;
    }),
  );
}

/** How the pool cuts a case on `threads` threads (undefined: the main thread alone). */
function planFor([aBatch, bBatch, m, k, n]: Case, threads: number): ChunkPlan | undefined {
  const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
  const batch = size(tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch));
  return chunkPlan({ batch, m, n, k, aElements: size(aBatch) * m * k, bElements: size(bBatch) * k * n }, threads);
}

/** Index of the first element that differs in bits (NaN-safe), or -1. */
function firstDifference(x: Float32Array, y: Float32Array): number {
  const xi = new Int32Array(x.buffer, x.byteOffset, x.length);
  const yi = new Int32Array(y.buffer, y.byteOffset, y.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < xi.length; i++) if (xi[i] !== yi[i]) return i;
  return -1;
}

describe('matrix products on worker threads', function () {
  this.timeout(120_000);
  const threadsBefore = matMulThreads();

  before(function () {
    if (!batchedMatMulActive()) this.skip();
  });
  after(async () => {
    await stopMatMulThreads();
    setMatMulThreads(threadsBefore);
  });

  it('gives bit-identical results on 1, 2 and 3 threads for odd shapes, transposes and broadcasts', async () => {
    // Large enough to be worth sharing (chunkPlan), except the one row, the one column and the tiny heads.
    const cases: Case[] = [
      [[], [], 1027, 130, 267, false, false], // rows not divisible by the threads or by 4
      [[], [], 1, 500, 600, false, false], // one row: stays whole
      [[], [], 7000, 600, 1, false, true], // one column: copying A costs more than the product
      [[3], [3], 145, 170, 333, true, false],
      [[64], [64], 50, 128, 50, false, true], // attention logits, head dim 128
      [[256], [256], 50, 16, 50, false, true], // the tiny preset's attention logits: not worth their copies
      [[5], [], 199, 96, 130, true, true], // B shared by every item
      [[2, 1], [1, 3], 137, 200, 129, false, false], // uneven broadcast: item by item
      [[7], [7], 40, 300, 320, false, false], // few rows per item, whole items per chunk
    ];
    const inputs = operands(cases, 11);
    const one = await products(1, cases, inputs);
    const statsBefore = matMulThreadStats();
    expect(statsBefore.products).to.equal(0); // one thread: no pool at all
    for (const threads of [2, 3]) {
      const many = await products(threads, cases, inputs);
      cases.forEach((c, i) => expect(firstDifference(one[i], many[i]), `case ${JSON.stringify(c)} on ${threads} threads`).to.equal(-1));
      const stats = matMulThreadStats();
      // Every case that chunkPlan finds worth sharing ran on the pool, and no other.
      const pooled = cases.filter((c) => planFor(c, threads) !== undefined).length;
      expect(pooled, `cases shared on ${threads} threads`).to.equal(6);
      expect(stats.products, `threads ${threads}`).to.equal(pooled);
      expect(stats.workerChunks, `threads ${threads}`).to.be.greaterThan(0);
    }
  });

  it('keeps giving exact results over many calls in a row, small and large, with the pool kept', async () => {
    const rng = new Rng(5);
    const cases: Case[] = [];
    for (let i = 0; i < 90; i++) {
      const big = i % 3 === 0;
      const dim = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo));
      cases.push([[dim(1, 4)], [], big ? dim(150, 300) : dim(1, 20), big ? dim(60, 200) : dim(1, 40), big ? dim(150, 300) : dim(1, 20), rng.next() < 0.5, rng.next() < 0.5]);
    }
    const inputs = operands(cases, 3);
    const one = await products(1, cases, inputs);
    const two = await products(2, cases, inputs);
    cases.forEach((c, i) => expect(firstDifference(one[i], two[i]), `call ${i}: ${JSON.stringify(c)}`).to.equal(-1));
    const shared = cases.filter((c) => planFor(c, 2) !== undefined).length;
    expect(shared).to.be.greaterThan(20);
    expect(matMulThreadStats().products).to.equal(shared);
  });

  it('shares a product only where the measured costs of sharing are smaller than what the second thread saves', () => {
    // Measured on the 2-core machine, time on 2 threads / 1 thread (bench/pool-threshold.ts):
    // shared where that was below 1, kept on the main thread where it was above.
    const tiny = 64 * 50; // tokens of a tiny batch
    const small = 16 * 50;
    const dense = (m: number, k: number, n: number, tb = false): Case => [[], [], m, k, n, false, tb];
    const shared: [string, Case][] = [
      ['tiny Linear 64 → 64 (0.84)', dense(tiny, 64, 64)],
      ['tiny MLP 64 → 256 (0.65)', dense(tiny, 64, 256)],
      ['tiny MLP 256 → 64 (0.80)', dense(tiny, 256, 64)],
      ['tiny input gradient dY·Wᵀ (0.85)', dense(tiny, 64, 64, true)],
      ['small Linear 384 → 384 (0.59)', dense(small, 384, 384)],
      ['small MLP 384 → 1536 (0.56)', dense(small, 384, 1536)],
      ['small weight gradient Xᵀ·dY (0.62)', [[], [], 384, small, 384, true, false]],
    ];
    const alone: [string, Case][] = [
      ['tiny weight gradient Xᵀ·dY, 64 rows of k = 3200 (1.15)', [[], [], 64, tiny, 64, true, false]],
      ['tiny patch embedding 16 → 64 (1.08)', dense(49 * 64, 16, 64)],
      ['800 rows, 64 → 64 (1.10)', dense(800, 64, 64)],
      ['tiny attention logits per head, as batched products (1.04)', [[256], [256], 50, 16, 50, false, true]],
      ['tiny attention context per head (1.26)', [[256], [256], 50, 50, 16, false, false]],
    ];
    for (const [label, c] of shared) expect(planFor(c, 2), label).to.not.equal(undefined);
    for (const [label, c] of alone) expect(planFor(c, 2), label).to.equal(undefined);
    // The tiny attention head products in their token-major layout (D2vHeadMatMul): one group of 4 heads per sample.
    const grouped = { size: 4, aItem: 16, bItem: 16, cItem: 2500, aGroup: 3200, bGroup: 3200, cGroup: 10_000, cRow: 50 };
    expect(chunkPlan({ batch: 256, m: 50, n: 50, k: 16, aElements: 204_800, bElements: 204_800, grouped }, 2), 'tiny logits q·kᵀ (1.04)').to.equal(undefined);
    // More threads save more of the same product: small's attention logits (6 heads of 64, 16 samples) pay on 4 threads, not on 2.
    const small6 = { size: 6, aItem: 64, bItem: 64, cItem: 2500, aGroup: 19_200, bGroup: 19_200, cGroup: 15_000, cRow: 50 };
    const logits = { batch: 96, m: 50, n: 50, k: 64, aElements: 307_200, bElements: 307_200, grouped: small6 };
    expect(chunkPlan(logits, 2), 'small logits q·kᵀ on 2 threads (0.89, within the margin)').to.equal(undefined);
    expect(chunkPlan(logits, 4)).to.deep.equal({ chunks: 8, chunkRows: 2 * 6 * 50 });
  });

  it('trains a seeded tiny image v1 model to exactly the same losses on 1 and 2 threads', async () => {
    const out = mkdtempSync(join(tmpdir(), 'd2v-threads-'));
    try {
      const losses = async (threads: number) => {
        setMatMulThreads(threads);
        await startMatMulThreads();
        const rows: number[] = [];
        await pretrain({
          modality: 'image', preset: 'tiny', out: join(out, `t${threads}`), report: false,
          overrides: { steps: 3, batchSize: 32, seed: 4 },
          onUpdate: (row) => rows.push(row.loss),
        });
        return rows;
      };
      const one = await losses(1);
      const two = await losses(2);
      expect(one).to.have.length(3);
      expect(two).to.deep.equal(one); // bit for bit: the split never changes a sum's order
      expect(matMulThreadStats().workerChunks).to.be.greaterThan(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('reads the thread count from the flag, then D2V_THREADS, then the core count, and refuses bad values', () => {
    const saved = process.env.D2V_THREADS;
    try {
      delete process.env.D2V_THREADS;
      expect(requestedThreads()).to.equal(defaultThreads());
      process.env.D2V_THREADS = '3';
      expect(requestedThreads()).to.equal(3);
      expect(requestedThreads('5')).to.equal(5);
      expect(requestedThreads(1)).to.equal(1);
      expect(() => requestedThreads('0')).to.throw('--threads is "0", which is not a thread count; use a whole number from 1 to 256');
      expect(() => requestedThreads('2.5')).to.throw('--threads is "2.5"');
      process.env.D2V_THREADS = 'many';
      expect(() => requestedThreads()).to.throw('D2V_THREADS is "many", which is not a thread count');
    } finally {
      if (saved === undefined) delete process.env.D2V_THREADS;
      else process.env.D2V_THREADS = saved;
    }
  });

  it('lets the process exit by itself while its workers wait, and threads the fused kernel bit-identically too', () => {
    // A child Node with relaxed SIMD on, so the workers run the fused kernel's shared-memory variant.
    const script = `
      const tf = require('@tensorflow/tfjs');
      require('@tensorflow/tfjs-backend-wasm');
      const api = require(${JSON.stringify(resolve(__dirname, '../../src/index.js'))});
      (async () => {
        await api.initBackend('wasm', { threads: 1 });
        const a = tf.randomNormal([300, 301], 0, 1, 'float32', 1);
        const b = tf.randomNormal([301, 299], 0, 1, 'float32', 2);
        const one = new Int32Array(tf.matMul(a, b).dataSync().buffer);
        api.setMatMulThreads(4);
        const threads = await api.startMatMulThreads();
        const four = new Int32Array(tf.matMul(a, b).dataSync().buffer);
        const same = one.length === four.length && one.every((v, i) => v === four[i]);
        console.log(JSON.stringify({ variant: api.matMulKernelVariant(), threads, same, products: api.matMulThreadStats().products }));
      })();`;
    const run = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script], { cwd: resolve(__dirname, '../..'), encoding: 'utf8', timeout: 60_000 });
    expect(run.signal, run.stderr).to.equal(null); // not killed by the timeout: the waiting workers did not hold it
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop() as string)).to.deep.equal({ variant: 'fma', threads: 4, same: true, products: 1 });
  });
});
