/**
 * Every trainable building block's gradients against central finite differences,
 * on both training backends (wasm and cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { Module } from '../../src/nn/module';
import { Linear } from '../../src/nn/linear';
import { LayerNorm } from '../../src/nn/layer-norm';
import { MultiHeadSelfAttention } from '../../src/nn/attention';
import { FeedForward } from '../../src/nn/feed-forward';
import { TransformerBlock } from '../../src/nn/transformer-block';
import { TransformerEncoder } from '../../src/nn/transformer-encoder';
import { PatchEmbed } from '../../src/nn/patch-embed';
import { RelativePositionBias } from '../../src/nn/relative-position-bias';
import { AlibiBias } from '../../src/nn/alibi';
import { MaskToken } from '../../src/nn/mask-token';
import { LearnedPositions } from '../../src/nn/positions';
import { gradCheck } from '../helpers/gradcheck';
import { TRAINING_BACKENDS, withBackend } from '../helpers/backends';

interface Case {
  name: string;
  build: (rng: Rng) => { module: Module; input: tf.Tensor; run: (m: Module, x: tf.Tensor) => tf.Tensor };
}

const randn = (rng: Rng, shape: number[], std = 1) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1), std), shape);

const CASES: Case[] = [
  { name: 'Linear', build: (r) => ({ module: new Linear(6, 5, r, { init: { kind: 'normal', std: 0.5 } }), input: randn(r, [2, 3, 6]), run: (m, x) => (m as Linear).forward(x) }) },
  { name: 'LayerNorm (affine)', build: (r) => ({ module: new LayerNorm(6), input: randn(r, [2, 3, 6]), run: (m, x) => (m as LayerNorm).forward(x) }) },
  { name: 'MultiHeadSelfAttention + bias', build: (r) => {
    const attn = new MultiHeadSelfAttention(8, 2, r, { qkvBias: 'qv', init: { kind: 'normal', std: 0.3 } });
    const bias = randn(r, [2, 4, 4], 0.5);
    return { module: attn, input: randn(r, [2, 4, 8]), run: (m, x) => (m as MultiHeadSelfAttention).forward(x, { bias }) };
  } },
  { name: 'FeedForward', build: (r) => ({ module: new FeedForward(6, 12, r, { init: { kind: 'normal', std: 0.3 } }), input: randn(r, [2, 3, 6]), run: (m, x) => (m as FeedForward).forward(x) }) },
  { name: 'TransformerBlock post-LN (ffn + out)', build: (r) => ({
    module: new TransformerBlock({ dim: 8, heads: 2, norm: 'post', init: { kind: 'normal', std: 0.3 } }, r),
    input: randn(r, [2, 4, 8]),
    run: (m, x) => { const o = (m as TransformerBlock).forward(x); return tf.concat([o.out, o.ffn], -1); },
  }) },
  { name: 'TransformerBlock pre-LN + layer scale', build: (r) => ({
    module: new TransformerBlock({ dim: 8, heads: 2, norm: 'pre', layerScale: 0.5, init: { kind: 'normal', std: 0.3 } }, r),
    input: randn(r, [2, 4, 8]),
    run: (m, x) => { const o = (m as TransformerBlock).forward(x); return tf.concat([o.out, o.ffn], -1); },
  }) },
  { name: 'TransformerEncoder (every layer result)', build: (r) => ({
    module: new TransformerEncoder({ depth: 2, dim: 8, heads: 2, norm: 'post', init: { kind: 'normal', std: 0.3 } }, r),
    input: randn(r, [2, 3, 8]),
    run: (m, x) => { const o = (m as TransformerEncoder).forward(x); return tf.concat(o.layers.flatMap((l) => [l.ffn, l.out]), -1); },
  }) },
  { name: 'PatchEmbed', build: (r) => ({ module: new PatchEmbed({ imageSize: [4, 6], patchSize: 2, channels: 1, dim: 5 }, r), input: randn(r, [2, 4, 6, 1]), run: (m, x) => (m as PatchEmbed).forward(x) }) },
  { name: 'RelativePositionBias (gather gradient)', build: (r) => {
    const rpb = new RelativePositionBias(2, 3, 2);
    rpb.table.assign(randn(r, rpb.table.shape));
    const attn = new MultiHeadSelfAttention(4, 2, r, { init: { kind: 'normal', std: 0.5 } });
    return { module: rpb, input: randn(r, [1, 7, 4]), run: (m, x) => attn.forward(x, { bias: (m as RelativePositionBias).forward() }) };
  } },
  { name: 'AlibiBias (learned scale)', build: (r) => {
    const attn = new MultiHeadSelfAttention(4, 2, r, { init: { kind: 'normal', std: 0.5 } });
    return { module: new AlibiBias(2), input: randn(r, [1, 5, 4]), run: (m, x) => attn.forward(x, { bias: (m as AlibiBias).forward(5) }) };
  } },
  { name: 'MaskToken', build: (r) => {
    const mask = tf.tensor2d([[1, 0, 1], [0, 1, 0]]);
    return { module: new MaskToken(4, r), input: randn(r, [2, 3, 4]), run: (m, x) => (m as MaskToken).forward(x, mask) };
  } },
  { name: 'LearnedPositions', build: (r) => ({ module: new LearnedPositions(5, 4, r), input: randn(r, [2, 3, 4]), run: (m, x) => tf.add(x, (m as LearnedPositions).forward(3)) }) },
];

describe('building block gradients vs finite differences', () => {
  for (const backend of TRAINING_BACKENDS) {
    describe(`on ${backend}`, () => {
      for (const c of CASES) {
        it(`${c.name}: parameters and input`, async () => {
          await withBackend(backend, () => {
            const rng = new Rng(42);
            const { module, input, run } = c.build(rng);
            module.eval();
            const x = tf.variable(input);
            const probe = tf.tidy(() => randn(rng, run(module, x).shape));
            const loss = () => tf.tidy(() => tf.sum(tf.mul(run(module, x), probe)) as tf.Scalar);
            const vars: [string, tf.Variable][] = [...module.namedTrainableParameters(), ['input', x]];
            const r = gradCheck(loss, vars, { eps: 1e-2, perTensor: 3 });
            expect(r.checked).to.be.greaterThan(vars.length);
            expect(r.worst, r.where).to.be.lessThan(2e-2);
            module.dispose();
            x.dispose();
            probe.dispose();
          });
        });
      }
    });
  }
});
