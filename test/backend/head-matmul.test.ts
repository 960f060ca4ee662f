/**
 * Attention's per-head products on the projections' [B, T, heads·d] layout
 * (src/backend/head-matmul.ts, src/nn/attention-heads.ts): every layout and
 * transpose against transposing to heads first (bit-identical) and the cpu
 * backend; attention's output and all its gradients the same with and without
 * it; no Transpose kernel left in an attention forward and backward pass, on
 * one thread and on several, where large head products are shared with the
 * worker pool bit for bit; clear errors for bad shapes; no tensor or heap
 * leak; and a seeded tiny image v1 run with the same losses either way.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { headMatMul, headMatMulActive, headOperand, useHeadMatMul } from '../../src/backend/head-matmul';
import { matMulThreadStats, matMulThreads, setMatMulThreads, startMatMulThreads } from '../../src/backend/batched-matmul';
import { PlannedProduct, chunkPlan } from '../../src/backend/matmul-pool';
import { headContext, headLogits, mergeHeads, splitHeads } from '../../src/nn/attention-heads';
import { MultiHeadSelfAttention } from '../../src/nn/attention';
import { pretrain } from '../../src/run/pretrain';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { expectClose, random } from '../helpers/wasm-vs-cpu';
import { withBackend } from '../helpers/backends';

/** op(a)·op(b) per head through explicit head transposes and tf.matMul: the reference layout. */
function viaTransposes(a: tf.Tensor, b: tf.Tensor, heads: number, ta: boolean, tb: boolean): tf.Tensor {
  return tf.tidy(() => {
    const heads4 = (x: tf.Tensor) => (x.rank === 3 ? splitHeads(x, heads) : x);
    const c = tf.matMul(heads4(a), heads4(b), ta, tb);
    return b.rank === 3 && !tb ? mergeHeads(c) : c;
  });
}

/** Kernels that ran during `f`. */
async function kernelsIn(f: () => tf.Tensor | tf.Tensor[]): Promise<string[]> {
  const profile = await tf.profile(() => f());
  return profile.kernels.map((k) => k.name);
}

describe('attention heads read in place (D2vHeadMatMul)', () => {
  let threads = 1;
  before(function () {
    if (tf.getBackend() !== 'wasm') this.skip();
    threads = matMulThreads();
    setMatMulThreads(1);
  });
  after(() => {
    if (tf.getBackend() === 'wasm') setMatMulThreads(threads);
    useHeadMatMul(true);
  });

  it('is active on wasm with one matrix-product thread and with two', () => {
    expect(headMatMulActive()).to.equal(true);
    setMatMulThreads(2);
    try {
      expect(headMatMulActive()).to.equal(true);
    } finally {
      setMatMulThreads(1);
    }
  });

  // [batch, heads, tokens T, tokens S, head dim d]: tile edges (not multiples of 4 or 8) and the tiny preset's heads
  const shapes = [[2, 3, 7, 5, 6], [3, 4, 50, 50, 16], [1, 2, 9, 13, 8], [2, 1, 4, 4, 3]];
  for (const [b, h, t, s, d] of shapes) {
    it(`gives the transposed products bit for bit, and cpu's within rounding (B ${b}, ${h} heads, T ${t}, S ${s}, d ${d})`, async () => {
      const rng = new Rng(`heads-${b}-${h}-${t}-${s}-${d}`);
      // the four products of attention and its gradients: [a, b, transposeA, transposeB]
      const cases: [number[], number[], boolean, boolean][] = [
        [[b, t, h * d], [b, s, h * d], false, true], // logits q·kᵀ, and dprobs = dctx·vᵀ
        [[b, h, t, s], [b, s, h * d], false, false], // context probs·v, and dq = dlogits·k
        [[b, h, t, s], [b, t, h * d], true, false], // dk = dlogitsᵀ·q, and dv = probsᵀ·dctx
        [[b, h, d, t], [b, h, t, s], false, false], // both per head: a plain batched product
      ];
      for (const [aShape, bShape, ta, tb] of cases) {
        const av = random(rng, aShape);
        const bv = random(rng, bShape);
        const a = tf.tensor(av.data, aShape);
        const bt = tf.tensor(bv.data, bShape);
        try {
          const got = headMatMul(a, bt, h, ta, tb);
          const want = viaTransposes(a, bt, h, ta, tb);
          const label = `[${aShape}]${ta ? 'ᵀ' : ''}·[${bShape}]${tb ? 'ᵀ' : ''}`;
          expect(got.shape, label).to.deep.equal(want.shape);
          expect(Array.from(got.dataSync()), label).to.deep.equal(Array.from(want.dataSync()));
          const cpu = await withBackend('cpu', () => tf.tidy(() => viaTransposes(tf.tensor(av.data, aShape), tf.tensor(bv.data, bShape), h, ta, tb).dataSync() as Float32Array));
          expectClose([got.dataSync() as Float32Array], [cpu], 1e-5, label);
          tf.dispose([got, want]);
        } finally {
          tf.dispose([a, bt]);
        }
      }
    });
  }

  it('logits and context have the same values and gradients as with transposes, and as on cpu', async () => {
    const rng = new Rng('heads-grad');
    const [b, h, t, d] = [3, 4, 11, 6];
    const inputs = [random(rng, [b, t, h * d]), random(rng, [b, t, h * d]), random(rng, [b, t, h * d])];
    const w = random(rng, [b, t, h * d]);
    // logits → softmax → context, so that both products and all four gradient products run
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => headContext(tf.softmax(headLogits(q, k, h)), v, h);
    const valueAndGrads = () => tf.tidy(() => {
      const xs = inputs.map((x) => tf.tensor(x.data, x.shape));
      const weight = tf.tensor(w.data, w.shape);
      const loss = (...ys: tf.Tensor[]) => tf.sum(tf.mul(f(ys[0], ys[1], ys[2]), weight));
      return [f(xs[0], xs[1], xs[2]), ...tf.grads(loss)(xs)].map((y) => y.dataSync() as Float32Array);
    });
    const fused = valueAndGrads();
    useHeadMatMul(false);
    let transposed: Float32Array[];
    try {
      transposed = valueAndGrads();
    } finally {
      useHeadMatMul(true);
    }
    fused.forEach((x, i) => expect(Array.from(x), `output ${i}`).to.deep.equal(Array.from(transposed[i])));
    expectClose(fused, await withBackend('cpu', valueAndGrads), 1e-5, 'attention heads vs cpu');
  });

  it('gives attention the same output and parameter gradients, with no head transposes left', async () => {
    const attn = new MultiHeadSelfAttention(24, 4, new Rng('heads-attn'), { qkvBias: 'qv' });
    const x = tf.tensor(new Rng('heads-x').normalArray(2 * 9 * 24), [2, 9, 24]);
    const bias = tf.tensor(new Rng('heads-bias').normalArray(4 * 9 * 9), [4, 9, 9]);
    const weight = tf.tensor(new Rng('heads-w').normalArray(2 * 9 * 24), [2, 9, 24]);
    const loss = () => tf.sum(tf.mul(attn.forward(x, { bias }), weight)) as tf.Scalar;
    const run = () => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, attn.namedParameters().map(([, v]) => v));
      return [value, tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(attn.forward(xx, { bias }), weight)))(x), ...Object.values(grads)].map((g) => Array.from(g.dataSync()));
    });
    try {
      const fused = run();
      const kernels = await kernelsIn(() => tf.grad((xx: tf.Tensor) => tf.sum(attn.forward(xx, { bias })))(x));
      expect(kernels.filter((k) => k === 'Transpose'), 'Transpose kernels in forward + backward').to.deep.equal([]);
      expect(kernels.filter((k) => k === 'D2vHeadMatMul').length, 'two products forward, four backward').to.equal(6);
      useHeadMatMul(false);
      try {
        const old = await kernelsIn(() => tf.grad((xx: tf.Tensor) => tf.sum(attn.forward(xx, { bias })))(x));
        expect(old.filter((k) => k === 'Transpose').length, 'the transpose path: 4 forward, 4 backward').to.equal(8);
        expect(kernels.length).to.be.below(old.length);
        const transposed = run();
        expect(fused.length).to.equal(2 + attn.namedParameters().length);
        fused.forEach((g, i) => expect(g, `output ${i}`).to.deep.equal(transposed[i]));
      } finally {
        useHeadMatMul(true);
      }
    } finally {
      tf.dispose([x, bias, weight]);
      attn.dispose();
    }
  });

  it('runs a tiny attention forward and backward on 2 and 3 threads with no Transpose, bit for bit as on 1', async () => {
    // The tiny preset's attention: width 64, 4 heads of 16, 50 tokens, batch 64.
    const attn = new MultiHeadSelfAttention(64, 4, new Rng('heads-threads'));
    const x = tf.tensor(new Rng('heads-threads-x').normalArray(64 * 50 * 64), [64, 50, 64]);
    const weight = tf.tensor(new Rng('heads-threads-w').normalArray(64 * 50 * 64), [64, 50, 64]);
    const loss = (xx: tf.Tensor) => tf.sum(tf.mul(attn.forward(xx), weight));
    const run = () => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(x) as tf.Scalar, attn.namedParameters().map(([, v]) => v));
      return [attn.forward(x), value, tf.grad(loss)(x), ...Object.values(grads)].map((g) => g.dataSync() as Float32Array);
    });
    try {
      const one = run();
      for (const threads of [2, 3]) {
        setMatMulThreads(threads);
        try {
          expect(await startMatMulThreads()).to.equal(threads);
          const kernels = await kernelsIn(() => tf.grad(loss)(x));
          expect(kernels.filter((k) => k === 'Transpose'), `Transpose kernels on ${threads} threads`).to.deep.equal([]);
          expect(kernels.filter((k) => k === 'D2vHeadMatMul').length, 'two products forward, four backward').to.equal(6);
          const before = matMulThreadStats();
          const many = run();
          const after = matMulThreadStats();
          expect(after.workerChunks - before.workerChunks, 'chunks computed by workers').to.be.greaterThan(0);
          one.forEach((want, i) => expect(Buffer.from(many[i].buffer).equals(Buffer.from(want.buffer)), `output ${i} on ${threads} threads`).to.equal(true));
        } finally {
          setMatMulThreads(1);
        }
      }
    } finally {
      tf.dispose([x, weight]);
      attn.dispose();
    }
  });

  it('shares each head product with the workers when it is worth it, bit for bit, and keeps the others on the main thread', async () => {
    const rng = new Rng('heads-pool');
    // chunkPlan reads a grouped product's size and C's group stride.
    const grouped = (size: number, cGroup: number) => ({ size, aItem: 0, bItem: 0, cItem: 0, aGroup: 0, bGroup: 0, cGroup, cRow: 0 });
    // [batch, heads, T, S, d] with the four layouts of the products, as above: wide heads worth
    // sharing, whose 7 samples do not split evenly over the chunks; the tiny preset's attention (whose
    // copies cost more than a second thread saves) and one far too small to share.
    const products: { a: tf.Tensor; b: tf.Tensor; h: number; ta: boolean; tb: boolean; label: string; size: PlannedProduct }[] = [];
    let sharable = 0;
    for (const [b, h, t, s, d] of [[7, 3, 61, 53, 256], [64, 4, 50, 50, 16], [2, 2, 5, 6, 3]]) {
      const layouts: [number[], number[], boolean, boolean][] = [
        [[b, t, h * d], [b, s, h * d], false, true],
        [[b, h, t, s], [b, s, h * d], false, false],
        [[b, h, t, s], [b, t, h * d], true, false],
        [[b, h, d, t], [b, h, t, s], false, false],
      ];
      for (const [aShape, bShape, ta, tb] of layouts) {
        const { rows: m, cols: k } = headOperand(aShape, h, ta, 'a');
        const n = headOperand(bShape, h, tb, 'b').cols;
        const label = `[${aShape}]${ta ? 'ᵀ' : ''}·[${bShape}]${tb ? 'ᵀ' : ''}`;
        const size: PlannedProduct = { batch: b * h, m, n, k, aElements: tf.util.sizeFromShape(aShape), bElements: tf.util.sizeFromShape(bShape), grouped: grouped(h, h * m * n) };
        if (chunkPlan(size, 2) !== undefined) sharable++;
        products.push({ a: tf.tensor(random(rng, aShape).data, aShape), b: tf.tensor(random(rng, bShape).data, bShape), h, ta, tb, label, size });
      }
    }
    expect(sharable, 'products worth sharing on 2 threads: the first shape').to.equal(4);
    try {
      const one = products.map((p) => tf.tidy(() => headMatMul(p.a, p.b, p.h, p.ta, p.tb).dataSync() as Float32Array));
      for (const threads of [2, 3]) {
        setMatMulThreads(threads);
        try {
          expect(await startMatMulThreads()).to.equal(threads);
          products.forEach((p, i) => {
            const before = matMulThreadStats();
            const many = tf.tidy(() => headMatMul(p.a, p.b, p.h, p.ta, p.tb).dataSync() as Float32Array);
            const after = matMulThreadStats();
            const plan = chunkPlan(p.size, threads);
            expect(after.products - before.products, `${p.label} shared on ${threads} threads`).to.equal(plan === undefined ? 0 : 1);
            expect(after.chunks - before.chunks, `${p.label} chunks`).to.equal(plan === undefined ? 0 : plan.chunks);
            expect(Buffer.from(many.buffer).equals(Buffer.from(one[i].buffer)), `${p.label} on ${threads} threads`).to.equal(true);
          });
        } finally {
          setMatMulThreads(1);
        }
      }
    } finally {
      tf.dispose(products.flatMap((p) => [p.a, p.b]));
    }
  });

  it('names the operand and the cause for bad shapes', () => {
    const a = tf.zeros([2, 5, 12]);
    const b = tf.zeros([2, 3, 5, 5]);
    const c = tf.zeros([3, 5, 12]);
    try {
      expect(() => headMatMul(a, a, 5, false, true)).to.throw('D2vHeadMatMul: a has last axis 12, not divisible by 5 heads.');
      expect(() => headMatMul(b, a, 4)).to.throw('D2vHeadMatMul: a has 3 heads on axis 1, expected 4.');
      expect(() => headMatMul(a, c, 3, false, true)).to.throw('D2vHeadMatMul: a has batch 2, b has 3.');
      expect(() => headMatMul(a, a, 3)).to.throw('inner sizes differ');
      expect(() => headMatMul(tf.zeros([2, 5]), a, 3)).to.throw('must be [batch, tokens, heads·d] or [batch, heads, rows, cols]');
    } finally {
      tf.dispose([a, b, c]);
    }
  });

  it('leaks no tensors and no wasm heap over repeated forward and backward passes', () => {
    const attn = new MultiHeadSelfAttention(64, 4, new Rng('heads-leak'));
    const x = tf.randomNormal([4, 50, 64]);
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const step = () => tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(attn.forward(xx)))(x)).dispose();
    try {
      step();
      const tensors = tf.memory().numTensors;
      const bytes = tf.memory().numBytes;
      const heapBefore = heap();
      for (let i = 0; i < 30; i++) step();
      expect(tf.memory().numTensors).to.equal(tensors);
      expect(tf.memory().numBytes).to.equal(bytes);
      expect(heap()).to.equal(heapBefore);
    } finally {
      x.dispose();
      attn.dispose();
    }
  });

  it('trains a seeded tiny image v1 model to exactly the same losses with and without it', async function () {
    this.timeout(120_000);
    const out = mkdtempSync(join(tmpdir(), 'd2v-heads-'));
    let run = 0;
    const losses = async () => {
      const rows: number[] = [];
      await pretrain({
        modality: 'image', preset: 'tiny', out: join(out, `r${run++}`), report: false,
        overrides: { steps: 3, batchSize: 16, seed: 5 },
        onUpdate: (row) => rows.push(row.loss),
      });
      return rows;
    };
    const fused = await losses();
    useHeadMatMul(false);
    let transposed: number[];
    try {
      transposed = await losses();
    } finally {
      useHeadMatMul(true);
    }
    rmSync(out, { recursive: true, force: true });
    expect(fused).to.have.length(3);
    expect(fused.every(Number.isFinite)).to.equal(true);
    expect(transposed).to.deep.equal(fused); // bit for bit
  });
});
