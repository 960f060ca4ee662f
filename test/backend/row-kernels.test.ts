/**
 * The fused row kernels on wasm (src/backend/row-kernels.ts): layer norm (with
 * and without scale and shift), GELU, the softmax gradient and the bias add,
 * values and input gradients against tfjs's composed ops on the cpu backend,
 * GELU's two-vectors-at-a-time loop bit for bit against one vector at a time,
 * GELU's saved derivative bit for bit against the gradient kernel,
 * on rows whose length is and is not a multiple of the SIMD width, plus a
 * finite-difference check of the fused gradients on wasm itself, and the same
 * results whether products run on 1 or 2 threads; the fused AdamW and EMA
 * steps bit-identical to the composed ops; and a seeded pretraining run with
 * the same losses, to float32 rounding, with the kernels on and off.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { affineLayerNorm, layerNorm } from '../../src/nn/layer-norm';
import { gelu } from '../../src/nn/activations';
import { softmaxLastAxis } from '../../src/nn/softmax';
import { addBias } from '../../src/nn/linear';
import { MultiHeadSelfAttention } from '../../src/nn/attention';
import { rowKernelsActive, runRowKernel, useRowKernels } from '../../src/backend/row-kernels';
import { AdamW } from '../../src/train/adamw';
import { globalGradNormTensor } from '../../src/train/grad-clip';
import { pretrain } from '../../src/run/pretrain';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { ROW_KERNELS_WAT, assembleWat, rowKernelsModuleSource } from '../../src/backend/kernels/assemble';
import { matMulThreads, setMatMulThreads, startMatMulThreads } from '../../src/backend/batched-matmul';
import { expectClose, onBoth, random, valueAndGrads } from '../helpers/wasm-vs-cpu';

/** Kernels that ran during `f`. */
async function kernelsIn(f: () => tf.Tensor): Promise<string[]> {
  const profile = await tf.profile(() => f());
  return profile.kernels.map((k) => k.name);
}

describe('fused row kernels on wasm', () => {
  before(function () {
    if (tf.getBackend() !== 'wasm') this.skip();
  });

  it('run the committed binary, which is what assemble.ts makes of row-kernels.wat', async function () {
    try {
      require.resolve('wabt');
    } catch {
      this.skip(); // the assembler is a dev dependency
    }
    const committed = readFileSync(resolve(ROW_KERNELS_WAT, '..', 'row-kernels-wasm.ts'), 'utf8');
    const fresh = rowKernelsModuleSource(await assembleWat(ROW_KERNELS_WAT));
    expect(committed === fresh, 'row-kernels-wasm.ts is stale: run node dist/src/backend/kernels/assemble.js').to.equal(true);
  });

  it('are active on wasm and replace the composed ops', async () => {
    expect(rowKernelsActive()).to.equal(true);
    const x = tf.randomNormal([4, 6]);
    const w = tf.ones([6]);
    const b = tf.zeros([6]);
    try {
      expect(await kernelsIn(() => affineLayerNorm(x, w, b))).to.include('D2vLayerNorm').and.not.include('Sqrt');
      expect(await kernelsIn(() => gelu(x))).to.include('D2vGelu').and.not.include('Erf');
      expect(await kernelsIn(() => addBias(x, b))).to.include('D2vBiasAdd').and.not.include('Add');
      // a logit bias shared by the batch ([heads, T, T]) is one bias row per sample, its gradient a column sum
      const attn = new MultiHeadSelfAttention(8, 2, new Rng('attn-bias'));
      const tokens = tf.randomNormal([3, 5, 8]);
      const bias = tf.randomNormal([2, 5, 5]);
      try {
        expect(await kernelsIn(() => attn.attentionWeights(tokens, { bias }))).to.include('D2vBiasAdd').and.not.include('Add');
        const backward = await kernelsIn(() => tf.grad((t: tf.Tensor) => tf.sum(attn.attentionWeights(tokens, { bias: t })))(bias));
        expect(backward).to.include('D2vColumnSum');
        expect(backward.filter((k) => k === 'Sum').length, 'only the loss sums').to.equal(1);
      } finally {
        tf.dispose([tokens, bias]);
        attn.dispose();
      }
    } finally {
      tf.dispose([x, w, b]);
    }
  });

  for (const cols of [64, 7, 50]) {
    it(`layer norm, affine and not, matches cpu with its gradients (rows of ${cols})`, async () => {
      const rng = new Rng(`ln-${cols}`);
      const x = random(rng, [3, 5, cols]);
      // a large common offset makes the variance's two-pass form matter
      for (let i = 0; i < x.data.length; i++) x.data[i] = 3 + 2 * x.data[i];
      const w = random(rng, [cols]);
      const b = random(rng, [cols]);
      const affine = await onBoth((t, g, s) => affineLayerNorm(t, g, s, 1e-5), [x, w, b]);
      expectClose(affine.wasm, affine.cpu, 2e-5, 'affine layer norm');
      const plain = await onBoth((t) => layerNorm(t, 1e-6), [x]);
      expectClose(plain.wasm, plain.cpu, 2e-5, 'layer norm');
    });
  }

  for (const n of [64 * 3, 101, 102, 103]) {
    it(`GELU matches cpu (erf form) with its gradient (${n} values, tails to ±9)`, async () => {
      const rng = new Rng(`gelu-${n}`);
      const x = random(rng, [n]);
      for (let i = 0; i < n; i++) x.data[i] *= 3;
      x.data[0] = -9;
      x.data[1] = 9;
      x.data[2] = 0;
      const { wasm, cpu } = await onBoth((t) => gelu(t), [x]);
      expectClose(wasm, cpu, 1e-6, 'gelu');
    });
  }

  it('GELU and its gradient give the same bits two vectors at a time as one at a time', () => {
    // 8 values or more run as pairs of vectors (interleaved), 4 as one vector: the same operations per lane
    const rng = new Rng('gelu-pairs');
    const n = 8 * 25;
    const x = tf.tensor(Float32Array.from(rng.normalArray(n), (v, i) => (i === 3 ? -9 : i === 12 ? 9 : 4 * v)));
    const dy = tf.tensor(rng.normalArray(n));
    try {
      const whole = [runRowKernel('D2vGelu', { x })[0], runRowKernel('D2vGeluGrad', { x, dy })[0]];
      const chunks = tf.tidy(() => {
        const ys: number[] = [];
        const gs: number[] = [];
        for (let i = 0; i < n; i += 4) {
          const xi = x.slice(i, 4);
          ys.push(...runRowKernel('D2vGelu', { x: xi })[0].dataSync());
          gs.push(...runRowKernel('D2vGeluGrad', { x: xi, dy: dy.slice(i, 4) })[0].dataSync());
        }
        return [ys, gs];
      });
      expect(Array.from(whole[0].dataSync())).to.deep.equal(chunks[0]);
      expect(Array.from(whole[1].dataSync())).to.deep.equal(chunks[1]);
      tf.dispose(whole);
    } finally {
      tf.dispose([x, dy]);
    }
  });

  it('GELU under a gradient saves GELU\'(x) from its forward pass: the same bits as the gradient kernel, a multiply backward', async () => {
    const rng = new Rng('gelu-derivative');
    for (const n of [64, 65, 66, 67, 68, 69, 70, 71, 3, 1]) {
      const x = tf.tensor(Float32Array.from(rng.normalArray(n), (v, i) => (i === 0 ? -9 : i === 1 ? 9 : 4 * v)));
      const dy = tf.tensor(rng.normalArray(n));
      try {
        const [y, d] = runRowKernel('D2vGeluWithDerivative', { x });
        const plain = runRowKernel('D2vGelu', { x })[0];
        const grad = runRowKernel('D2vGeluGrad', { x, dy })[0];
        const ones = runRowKernel('D2vGeluGrad', { x, dy: tf.onesLike(x) })[0];
        expect(Array.from(y.dataSync()), `GELU, ${n} values`).to.deep.equal(Array.from(plain.dataSync()));
        expect(Array.from(d.dataSync()), `GELU', ${n} values`).to.deep.equal(Array.from(ones.dataSync()));
        const viaDerivative = tf.grad((t: tf.Tensor) => gelu(t))(x, dy);
        expect(Array.from(viaDerivative.dataSync()), `dy·GELU', ${n} values`).to.deep.equal(Array.from(grad.dataSync()));
        tf.dispose([y, d, plain, grad, ones, viaDerivative]);
      } finally {
        tf.dispose([x, dy]);
      }
    }
    const x = tf.randomNormal([4, 6]);
    try {
      const inference = await kernelsIn(() => gelu(x));
      expect(inference).to.include('D2vGelu').and.not.include('D2vGeluWithDerivative');
      const training = await kernelsIn(() => tf.grad((t: tf.Tensor) => gelu(t))(x));
      expect(training).to.include('D2vGeluWithDerivative').and.not.include('D2vGeluGrad');
    } finally {
      x.dispose();
    }
  });

  it('softmax over the last axis (50 and 8 columns) matches cpu with its gradient', async () => {
    const rng = new Rng('softmax');
    for (const cols of [50, 8]) {
      const x = random(rng, [2, 3, 5, cols]);
      const { wasm, cpu } = await onBoth((t) => softmaxLastAxis(t), [x]);
      expectClose(wasm, cpu, 1e-6, `softmax ${cols}`);
    }
  });

  it('bias add matches cpu, the bias gradient being the column sum', async () => {
    const rng = new Rng('bias');
    for (const cols of [16, 13]) {
      const x = random(rng, [37, cols]);
      const b = random(rng, [cols]);
      const { wasm, cpu } = await onBoth((t, s) => addBias(t, s), [x, b]);
      expectClose(wasm, cpu, 1e-6, `bias add ${cols}`);
    }
    // a bias that is not one value per column broadcasts as tf.add, on the composed ops
    const x = random(rng, [5, 4]);
    const one = random(rng, [1]);
    const both = await onBoth((t, s) => addBias(t, s), [x, one]);
    expectClose(both.wasm, both.cpu, 1e-6, 'bias add of one value');
    const ln = await onBoth((t, s) => affineLayerNorm(t, s, s), [x, one]);
    expectClose(ln.wasm, ln.cpu, 2e-5, 'layer norm with one scale and shift');
  });

  it('gradients agree with central differences on wasm (layer norm + GELU + softmax chain)', () => {
    const rng = new Rng('fd');
    const x = tf.tensor(rng.normalArray(4 * 10), [4, 10]);
    const w = tf.tensor(rng.normalArray(10), [10]);
    const b = tf.tensor(rng.normalArray(10), [10]);
    const v = tf.tensor(rng.normalArray(4 * 10), [4, 10]);
    const f = (t: tf.Tensor, g: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(softmaxLastAxis(gelu(affineLayerNorm(addBias(t, s), g, s))), v)) as tf.Scalar;
    try {
      const grads = tf.grads((t: tf.Tensor, g: tf.Tensor, s: tf.Tensor) => f(t, g, s))([x, w, b]);
      const directions = [x, w, b].map((t) => tf.tensor(rng.normalArray(t.size), t.shape));
      const h = 1e-2;
      for (let i = 0; i < 3; i++) {
        const shifted = (sign: number) => tf.tidy(() => {
          const args = [x, w, b].map((t, j) => (j === i ? tf.add(t, tf.mul(directions[i], sign * h)) : t));
          return f(args[0], args[1], args[2]).dataSync()[0];
        });
        const numeric = (shifted(1) - shifted(-1)) / (2 * h);
        const analytic = tf.sum(tf.mul(grads[i], directions[i])).dataSync()[0];
        expect(Math.abs(analytic - numeric), `input ${i}: analytic ${analytic}, numeric ${numeric}`).to.be.below(2e-3 * (1 + Math.abs(numeric)));
      }
      tf.dispose([...grads, ...directions]);
    } finally {
      tf.dispose([x, w, b, v]);
    }
  });

  it('give bit-identical values and gradients with products on 1 and 2 threads', async () => {
    const before = matMulThreads();
    const rng = new Rng('threads');
    const x = random(rng, [64, 48]);
    const w1 = random(rng, [48, 200]);
    const w2 = random(rng, [200, 48]);
    const g = random(rng, [48]);
    const block = (t: tf.Tensor, a: tf.Tensor, c: tf.Tensor, s: tf.Tensor) => affineLayerNorm(tf.matMul(gelu(tf.matMul(t, a)), c), s, s);
    try {
      const runs: Float32Array[][] = [];
      for (const threads of [1, 2]) {
        setMatMulThreads(threads);
        await startMatMulThreads();
        runs.push(valueAndGrads(block, [x, w1, w2, g], 'w'));
      }
      runs[0].forEach((a, i) => expect(Buffer.from(runs[1][i].buffer).equals(Buffer.from(a.buffer)), `output ${i}`).to.equal(true));
    } finally {
      setMatMulThreads(before);
    }
  });

  it('leave no tensors behind, with or without a gradient', () => {
    const x = tf.randomNormal([3, 8]);
    const w = tf.ones([8]);
    const b = tf.zeros([8]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      affineLayerNorm(gelu(x), w, b);
    });
    const g = tf.grads((t: tf.Tensor, s: tf.Tensor, c: tf.Tensor) => tf.sum(softmaxLastAxis(addBias(affineLayerNorm(gelu(t), s, c), c))));
    tf.dispose(g([x, w, b]));
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([x, w, b]);
  });

  it('AdamW steps in one kernel are bit-identical to the composed ops (both eps styles, decayed and not)', () => {
    for (const epsStyle of ['torch', 'fairseq'] as const) {
      const rng = new Rng(`adamw-${epsStyle}`);
      const init = [rng.normalArray(4 * 6), rng.normalArray(7)];
      const grads = [0, 1, 2].map(() => [rng.normalArray(4 * 6), rng.normalArray(7)]);
      const run = (fused: boolean) => {
        useRowKernels(fused);
        const params: [string, tf.Variable][] = [['w', tf.variable(tf.tensor(init[0], [4, 6]))], ['b', tf.variable(tf.tensor(init[1], [7]))]];
        const opt = new AdamW(params, { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.05, epsStyle }, new Set(['b']));
        for (const [i, g] of grads.entries()) {
          const map = new Map([['w', tf.tensor(g[0], [4, 6])], ['b', tf.tensor(g[1], [7])]]);
          opt.step(map, 1e-3 * (i + 1));
          tf.dispose([...map.values()]);
        }
        const state = opt.stateDict();
        const out = [...params.map(([, v]) => v.dataSync().slice() as Float32Array), ...[...state.tensors.values()].map((t) => t.dataSync().slice() as Float32Array)];
        tf.dispose([...params.map(([, v]) => v), ...state.tensors.values()]);
        opt.dispose();
        return out;
      };
      try {
        const composed = run(false);
        const fused = run(true);
        fused.forEach((a, i) => expect(Buffer.from(a.buffer).equals(Buffer.from(composed[i].buffer)), `${epsStyle} tensor ${i}`).to.equal(true));
        expect(composed[0][0]).to.not.equal(init[0][0]);
      } finally {
        useRowKernels(true);
      }
    }
  });

  it('the EMA step kernel is bit-identical to teacher·τ + student·(1 − τ)', () => {
    const rng = new Rng('ema');
    const teacher = tf.tensor(rng.normalArray(103), [103]);
    const student = tf.tensor(rng.normalArray(103), [103]);
    try {
      for (const tau of [0.999, 0.9998, 0.5]) {
        const fused = runRowKernel('D2vEma', { teacher, student }, { tau })[0];
        const composed = tf.add(tf.mul(teacher, tau), tf.mul(student, 1 - tau));
        expect(Buffer.from(fused.dataSync().buffer).equals(Buffer.from(composed.dataSync().buffer)), `tau ${tau}`).to.equal(true);
        tf.dispose([fused, composed]);
      }
    } finally {
      tf.dispose([teacher, student]);
    }
  });

  it('the global gradient norm in one kernel matches the composed one to float32 rounding', () => {
    const rng = new Rng('norm');
    const grads = new Map([[3, 5], [7], [2, 2, 9], [1]].map((shape, i) => [`g${i}`, tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape)]));
    try {
      const fused = globalGradNormTensor(grads);
      useRowKernels(false);
      const composed = globalGradNormTensor(grads);
      let want = 0;
      for (const g of grads.values()) for (const v of g.dataSync()) want += v * v;
      const [f, c] = [fused.dataSync()[0], composed.dataSync()[0]];
      expect(Math.abs(f - Math.sqrt(want))).to.be.below(1e-6 * Math.sqrt(want));
      expect(Math.abs(f - c)).to.be.below(1e-6 * c);
      tf.dispose([fused, composed]);
    } finally {
      useRowKernels(true);
      tf.dispose([...grads.values()]);
    }
  });

  it('a seeded tiny image v1 run has the same losses with the fused kernels as with tfjs ops (within 1e-5 relative)', async function () {
    this.timeout(60_000);
    const out = mkdtempSync(join(tmpdir(), 'd2v-fused-'));
    try {
      const losses = async (fused: boolean) => {
        useRowKernels(fused);
        const rows: number[] = [];
        await pretrain({
          modality: 'image', preset: 'tiny', out: join(out, fused ? 'fused' : 'composed'), report: false,
          overrides: { steps: 3, batchSize: 32, seed: 4 },
          onUpdate: (row) => rows.push(row.loss),
        });
        return rows;
      };
      const composed = await losses(false);
      const fused = await losses(true);
      expect(fused).to.have.length(3);
      fused.forEach((l, i) => expect(Math.abs(l - composed[i]), `update ${i + 1}: ${l} against ${composed[i]}`).to.be.at.most(1e-5 * Math.abs(composed[i])));
    } finally {
      useRowKernels(true);
      rmSync(out, { recursive: true, force: true });
    }
  });
});
