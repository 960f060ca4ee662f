/**
 * The fused WGSL row kernels on `webgpu` (`src/backend/webgpu-row-kernels.ts`)
 * against tfjs's composed ops on `cpu`: the building blocks' values and gradients
 * (layer norm with and without affine parameters, GELU, bias add, the softmax
 * gradient), the global gradient norm, two AdamW steps and an EMA step; and a
 * micro image v1 update makes fewer kernel calls with them than without, and
 * leaves as many tensors and device buffers as it found.
 * Rows of 70 and 130 values cross the 64-thread workgroup, 200 rows make column
 * sums of several row chunks; the sizes stay small
 * because the adapter here is a software rasterizer.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { layerNorm, affineLayerNorm } from '../../src/nn/layer-norm';
import { gelu } from '../../src/nn/activations';
import { addBias } from '../../src/nn/linear';
import { softmaxLastAxis } from '../../src/nn/softmax';
import { rowKernelsActive, runRowKernel, useRowKernels } from '../../src/backend/row-kernels';
import { globalGradNormTensor } from '../../src/train/grad-clip';
import { AdamW } from '../../src/train/adamw';
import { Trainer } from '../../src/train/trainer';
import { profileUpdates } from '../../src/run/kernel-profile';
import { withBackend } from '../helpers/backends';
import { webgpuAvailable } from '../helpers/webgpu-available';
import { microRecipe } from '../helpers/micro-recipes';

const wave = (n: number, phase: number, scale = 2) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + phase) * scale);

/** max |a − b| / max |b|. */
function relMaxError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let size = 0;
  b.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(a[i] - v));
    size = Math.max(size, Math.abs(v));
  });
  return diff / Math.max(size, 1e-30);
}

/** Each building block's output and its gradients for a fixed dy, read back, and the kernel names that ran. */
async function blocks(): Promise<{ values: Map<string, Float32Array[]>; kernels: Set<string> }> {
  const values = new Map<string, Float32Array[]>();
  const x = tf.tensor(wave(2 * 3 * 70, 1), [2, 3, 70]);
  const wide = tf.tensor(wave(4 * 130, 5), [4, 130]);
  const gamma = tf.tensor(wave(70, 2));
  const beta = tf.tensor(wave(70, 3));
  const tall = tf.tensor(wave(200 * 70, 6), [200, 70]); // column sums over several chunks of 64 rows
  const cases: [string, (...a: tf.Tensor[]) => tf.Tensor, tf.Tensor[]][] = [
    ['layerNorm', (a) => layerNorm(a), [x]],
    ['layerNorm 130', (a) => layerNorm(a), [wide]],
    ['affineLayerNorm', (a, g, b) => affineLayerNorm(a, g, b), [x, gamma, beta]],
    ['gelu', (a) => gelu(a), [x]],
    ['addBias', (a, b) => addBias(a, b), [x, beta]],
    ['addBias 200 rows', (a, b) => addBias(a, b), [tall, beta]],
    ['affineLayerNorm 200 rows', (a, g, b) => affineLayerNorm(a, g, b), [tall, gamma, beta]],
    ['softmax', (a) => softmaxLastAxis(a), [wide]],
  ];
  const info = await tf.profile(async () => {
    for (const [name, f, args] of cases) {
      const dy = tf.tensor(wave(args[0].size, 4), args[0].shape);
      const y = f(...args);
      const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), dy)))(args);
      values.set(name, await Promise.all([y, ...grads].map((t) => t.data() as Promise<Float32Array>)));
      tf.dispose([dy, y, ...grads]);
    }
    const norm = globalGradNormTensor(new Map([['x', x], ['gamma', gamma], ['long', wide]]));
    values.set('globalGradNorm', [(await norm.data()) as Float32Array]);
    norm.dispose();
    return [];
  });
  tf.dispose([x, wide, tall, gamma, beta]);
  return { values, kernels: new Set(info.kernelNames) };
}

/** Two AdamW steps (weight decay on the matrix, none on the vector) and one EMA step, read back. */
async function optimizerSteps(epsStyle: 'torch' | 'fairseq'): Promise<Float32Array[]> {
  const w = tf.variable(tf.tensor(wave(7 * 19, 1, 0.1), [7, 19]), true, `w-${epsStyle}`);
  const b = tf.variable(tf.tensor(wave(19, 2, 0.1)), true, `b-${epsStyle}`);
  const opt = new AdamW([['w', w], ['b', b]], { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.05, epsStyle }, (_, rank) => rank < 2);
  for (let step = 0; step < 2; step++) {
    const grads = new Map([['w', tf.tensor(wave(7 * 19, 3 + step, 0.01), [7, 19])], ['b', tf.tensor(wave(19, 4 + step, 0.01))]]);
    opt.step(grads, 5e-4);
    tf.dispose([...grads.values()]);
  }
  const state = opt.stateDict();
  const teacher = tf.tensor(wave(7 * 19, 6));
  const ema = rowKernelsActive()
    ? runRowKernel('D2vEma', { teacher, student: w.reshape([-1]) }, { tau: 0.999 })[0]
    : tf.add(tf.mul(teacher, 0.999), tf.mul(w.reshape([-1]), 1 - 0.999));
  const out = await Promise.all([w, b, state.tensors.get('exp_avg.w')!, state.tensors.get('exp_avg_sq.w')!, state.tensors.get('exp_avg.b')!, ema].map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([w, b, teacher, ema, ...state.tensors.values()]);
  return out;
}

describe('fused row kernels on webgpu (WGSL)', function () {
  this.timeout(180_000);
  let available = false;

  before(async () => {
    available = await webgpuAvailable();
  });

  afterEach(() => useRowKernels(true));

  it('layer norm, GELU, bias add, softmax gradient and the gradient norm match cpu, through the fused kernels', async function () {
    if (!available) this.skip();
    const reference = await withBackend('cpu', blocks);
    const gpu = await withBackend('webgpu', blocks);
    for (const k of ['D2vLayerNorm', 'D2vLayerNormGrad', 'D2vGelu', 'D2vGeluGrad', 'D2vBiasAdd', 'D2vColumnSum', 'D2vSoftmaxGrad', 'D2vSumOfSquares']) {
      expect(gpu.kernels.has(k), `${k} ran on webgpu`).to.equal(true);
      expect(reference.kernels.has(k), `${k} did not run on cpu`).to.equal(false);
    }
    for (const [name, ref] of reference.values) {
      const got = gpu.values.get(name)!;
      expect(got.length).to.equal(ref.length);
      ref.forEach((r, i) => {
        expect(got[i].length).to.equal(r.length);
        expect(relMaxError(got[i], r), `${name} output ${i}`).to.be.below(1e-5);
      });
    }
  });

  for (const epsStyle of ['torch', 'fairseq'] as const) {
    it(`two AdamW steps (${epsStyle} eps) and an EMA step equal cpu's composed ops within 1e-6 relative`, async function () {
      if (!available) this.skip();
      const reference = await withBackend('cpu', () => optimizerSteps(epsStyle));
      const gpu = await withBackend('webgpu', async () => {
        expect(rowKernelsActive()).to.equal(true);
        return optimizerSteps(epsStyle);
      });
      const names = ['w', 'b', 'exp_avg.w', 'exp_avg_sq.w', 'exp_avg.b', 'ema'];
      reference.forEach((r, i) => expect(relMaxError(gpu[i], r), names[i]).to.be.below(1e-6));
    });
  }

  it('a micro image v1 update makes fewer kernel calls fused than composed (useRowKernels(false))', async function () {
    if (!available) this.skip();
    const callsPerUpdate = (fused: boolean) =>
      withBackend('webgpu', async () => {
        useRowKernels(fused);
        const { recipe, config } = microRecipe('image-v1', 3);
        const setup = recipe.build(config, recipe.loadData(config));
        const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
        try {
          await trainer.step(); // the first update compiles shaders
          const before = tf.memory();
          const profile = await profileUpdates(() => trainer.step(), 1);
          const after = tf.memory();
          expect([after.numTensors, after.numDataBuffers], 'tensors and buffers after an update').to.deep.equal([before.numTensors, before.numDataBuffers]);
          return profile.calls_per_update;
        } finally {
          trainer.dispose();
          setup.objective.dispose();
        }
      });
    const composed = await callsPerUpdate(false);
    const fused = await callsPerUpdate(true);
    // eslint-disable-next-line no-console
    console.log(`      kernel calls per micro image v1 update: ${fused} fused, ${composed} composed`);
    expect(fused).to.be.below(composed * 0.75);
  });
});
