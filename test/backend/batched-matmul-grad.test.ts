/**
 * Gradients through the wasm SIMD `BatchMatMul` kernel: `tf.matMul` with every
 * transpose combination, `matMul` of src/nn/matmul.ts, and attention's
 * q·kᵀ → softmax → ·v chain, each against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/util/rng';
import { matMul } from '../../src/nn/matmul';
import { MultiHeadSelfAttention } from '../../src/nn/attention';
import { expectClose, onBoth, random } from '../helpers/wasm-vs-cpu';

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
