/**
 * Gradients through the wasm SIMD `BatchMatMul` kernel: `tf.matMul` with every
 * transpose combination, `matMul` of src/nn/matmul.ts, and attention's
 * q·kᵀ → softmax → ·v chain, each against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { matMul } from '../../src/nn/matmul';
import { MultiHeadSelfAttention } from '../../src/nn/attention';

type Inputs = { data: Float32Array; shape: number[] }[];

/** Values and input gradients of sum(w ⊙ f(inputs)) for a fixed random w. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs, weightSeed: string): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs.map(({ data, shape }) => tf.tensor(data, shape));
    const y = f(...xs);
    const w = tf.tensor(new Rng(weightSeed).normalArray(y.size), y.shape);
    const g = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), w)));
    return [y.dataSync() as Float32Array, ...g(xs).map((t) => t.dataSync() as Float32Array)];
  });
}

async function onBoth(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const wasm = valueAndGrads(f, inputs, 'w');
  await tf.setBackend('cpu');
  try {
    return { wasm, cpu: valueAndGrads(f, inputs, 'w') };
  } finally {
    await tf.setBackend('wasm');
  }
}

function expectClose(got: Float32Array[], want: Float32Array[], tol: number, label: string): void {
  expect(got.length).to.equal(want.length);
  got.forEach((g, i) => {
    expect(g.length, `${label} output ${i} size`).to.equal(want[i].length);
    let scale = 0;
    for (const v of want[i]) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < g.length; j++) {
      if (!(Math.abs(g[j] - want[i][j]) <= tol * (1 + scale))) {
        throw new Error(`${label}: output ${i} element ${j} is ${g[j]} on wasm, ${want[i][j]} on cpu`);
      }
    }
  });
}

const random = (rng: Rng, shape: number[]) => ({ data: rng.normalArray(shape.reduce((p, d) => p * d, 1)), shape });

describe('gradients through the wasm batched matMul kernel', () => {
  before(function () {
    if (tf.getBackend() !== 'wasm') this.skip();
  });

  it('tf.matMul with each transpose combination matches cpu (value, dA, dB)', async () => {
    const rng = new Rng('grad-flags');
    const [batch, m, k, n] = [3, 7, 5, 9];
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = random(rng, ta ? [batch, k, m] : [batch, m, k]);
      const b = random(rng, tb ? [batch, n, k] : [batch, k, n]);
      const { wasm, cpu } = await onBoth((x, y) => tf.matMul(x, y, ta, tb), [a, b]);
      expectClose(wasm, cpu, 1e-5, `ta=${ta} tb=${tb}`);
    }
  });

  it('matMul of src/nn/matmul.ts (plain and transposeB, rank 4) matches cpu', async () => {
    const rng = new Rng('grad-nn');
    const q = random(rng, [2, 3, 10, 6]);
    const kT = random(rng, [2, 3, 10, 6]);
    const { wasm, cpu } = await onBoth((x, y) => matMul(x, y, true), [q, kT]);
    expectClose(wasm, cpu, 1e-5, 'q·kᵀ');
    const p = random(rng, [2, 3, 10, 10]);
    const v = random(rng, [2, 3, 10, 6]);
    const both = await onBoth((x, y) => matMul(x, y), [p, v]);
    expectClose(both.wasm, both.cpu, 1e-5, 'p·v');
  });

  it('attention (50 tokens, 4 heads of 16) has the same output and input gradient on wasm and cpu', async () => {
    const rng = new Rng('grad-attn');
    const x = random(rng, [2, 50, 64]);
    const attention = new MultiHeadSelfAttention(64, 4, new Rng('attn-weights'));
    try {
      const { wasm, cpu } = await onBoth((t) => attention.forward(t), [x]);
      expectClose(wasm, cpu, 1e-4, 'attention');
    } finally {
      attention.dispose();
    }
  });
});
