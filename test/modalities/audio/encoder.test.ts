/**
 * The data2vec 1.0 speech encoder (spec §1.2, trap 8): CNN frame counts against
 * the reference length formula, receptive field and stride, output shapes,
 * parameter names, the mask embedding entering before the positional conv,
 * unpadded-input errors, and gradients of the new blocks on wasm and cpu (the
 * whole encoder on wasm only: the cpu backend needs minutes for it).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../../src/util/rng';
import { Module } from '../../../src/nn/module';
import {
  ConvFeatureExtractor, ConvFeatureLayer, WAV2VEC2_CONV_LAYERS, featureExtractOutputLength, receptiveField, totalStride,
} from '../../../src/modalities/audio/feature-extractor';
import { PositionalConv, PositionalConvLayer, positionalConvKernel } from '../../../src/modalities/audio/positional-conv';
import { AudioEncoderV1, FeatureProjection } from '../../../src/modalities/audio/encoder-v1';
import { AUDIO_V1_PRESETS } from '../../../src/modalities/audio/presets-v1';
import { gradCheck } from '../../helpers/gradcheck';
import { TRAINING_BACKENDS, withBackend } from '../../helpers/backends';
import { maxAbsDiff, microEncoderConfig, randomWaveforms } from './micro-audio';

/** fairseq `_get_feat_extract_output_lengths`, written out: floor((L − k)/s + 1) per layer. */
function referenceFrames(samples: number): number {
  let l = samples;
  for (const [, k, s] of [[512, 10, 5], [512, 3, 2], [512, 3, 2], [512, 3, 2], [512, 3, 2], [512, 2, 2], [512, 2, 2]]) l = Math.floor((l - k) / s + 1);
  return l;
}

describe('audio encoder v1: geometry', () => {
  it('frame counts follow _get_feat_extract_output_lengths: 400 → 1, 16000 → 49, 320000 → 999', () => {
    expect(featureExtractOutputLength(400)).to.equal(1);
    expect(featureExtractOutputLength(16000)).to.equal(49);
    expect(featureExtractOutputLength(320000)).to.equal(999);
    for (const n of [400, 401, 719, 720, 3200, 3464, 6936, 13746, 32000, 99999]) expect(featureExtractOutputLength(n), `${n}`).to.equal(referenceFrames(n));
    expect(featureExtractOutputLength(399)).to.equal(0);
  });

  it('the default CNN has a receptive field of 400 samples (25 ms) and a stride of 320 (20 ms)', () => {
    expect(receptiveField(WAV2VEC2_CONV_LAYERS)).to.equal(400);
    expect(totalStride(WAV2VEC2_CONV_LAYERS)).to.equal(320);
    expect(positionalConvKernel(95, 5)).to.equal(19);
    expect(positionalConvKernel(95, 50)).to.equal(3);
  });

  it('the CNN really produces that many frames, and one more sample per 320 past 400 adds a frame', () => {
    const cnn = new ConvFeatureExtractor(WAV2VEC2_CONV_LAYERS.map(([, k, s]) => [4, k, s]), false, new Rng(1));
    for (const n of [400, 719, 720, 1040, 3464]) {
      const y = tf.tidy(() => cnn.forward(tf.zeros([1, n])));
      expect(y.shape, `${n} samples`).to.deep.equal([1, referenceFrames(n), 4]);
      y.dispose();
    }
    expect(() => cnn.forward(tf.zeros([1, 399]))).to.throw("waveforms of 399 samples are shorter than the CNN's receptive field (400 samples); use clips of at least 400 samples.");
    cnn.dispose();
  });

  it('every preset keeps the wav2vec 2.0 kernels and strides; base has the paper sizes', () => {
    for (const [name, make] of Object.entries(AUDIO_V1_PRESETS)) {
      const c = make().model;
      expect(c.convLayers.map(([, k, s]) => [k, s]), name).to.deep.equal(WAV2VEC2_CONV_LAYERS.map(([, k, s]) => [k, s]));
      expect(c.posConv, name).to.deep.equal({ width: 95, depth: 5, groups: 16 });
    }
    const base = AUDIO_V1_PRESETS.base();
    expect(base.model).to.include({ dim: 768, depth: 12, heads: 12, ffnDim: 3072, dropout: 0.1, attnDropout: 0.1, activationDropout: 0, layerdrop: 0.05, convBias: false });
    expect(base.model.convLayers.every(([c]) => c === 512)).to.equal(true);
    expect(base.data2vec.targets).to.deep.equal({ topK: 8, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'none' });
    expect(base.masking).to.include({ maskProb: 0.65, maskLength: 10, minMasks: 1, requireSameMasks: true });
  });
});

describe('audio encoder v1: forward', () => {
  const config = microEncoderConfig();

  it('maps [B, L] waveforms to [B, T, D] outputs and D-wide FFN/block outputs for every layer', () => {
    const enc = new AudioEncoderV1(config, new Rng(1)).eval();
    const r = tf.tidy(() => {
      const out = enc.forward(randomWaveforms(new Rng(2), 3, 4000));
      return { out: out.out, layers: out.layers.map((l) => [l.ffn, l.out]) };
    });
    const t = referenceFrames(4000);
    expect(r.out.shape).to.deep.equal([3, t, 32]);
    expect(r.layers.length).to.equal(2);
    for (const [ffn, out] of r.layers) {
      expect(ffn.shape).to.deep.equal([3, t, 32]);
      expect(out.shape).to.deep.equal([3, t, 32]);
    }
    expect(maxAbsDiff(r.out, r.layers[1][1])).to.equal(0);
    tf.dispose([r.out, ...r.layers.flat()]);
    enc.dispose();
  });

  it('names its parameters after the HF checkpoints and initialises the mask embedding in [0, 1)', () => {
    const enc = new AudioEncoderV1(config, new Rng(1));
    const names = enc.namedParameters().map(([n]) => n);
    for (const expected of [
      'feature_extractor.conv_layers.0.conv.weight', 'feature_extractor.conv_layers.0.layer_norm.weight', 'feature_extractor.conv_layers.6.layer_norm.bias',
      'feature_projection.layer_norm.weight', 'feature_projection.projection.weight', 'feature_projection.projection.bias', 'masked_spec_embed.weight',
      'encoder.pos_conv_embed.layers.4.conv.weight', 'encoder.pos_conv_embed.layers.0.conv.bias', 'encoder.layer_norm.weight', 'encoder.layers.1.mlp.fc2.weight',
    ]) expect(names).to.include(expected);
    expect(names.filter((n) => n.startsWith('feature_extractor.') && n.endsWith('conv.bias'))).to.deep.equal([]);
    const emb = Array.from(enc.maskEmb.token.dataSync());
    expect(Math.min(...emb)).to.be.at.least(0);
    expect(Math.max(...emb)).to.be.below(1);
    enc.dispose();
  });

  it('puts the mask embedding into the positional conv input at masked frames and the projected features elsewhere', () => {
    const enc = new AudioEncoderV1(config, new Rng(3)).eval();
    const wave = randomWaveforms(new Rng(4), 2, 3000);
    const t = enc.outputLength(3000);
    const maskRows = [Array.from({ length: t }, (_, i) => (i >= 2 && i < 5 ? 1 : 0)), Array.from({ length: t }, (_, i) => (i % 3 === 0 ? 1 : 0))];
    const mask = tf.tensor2d(maskRows);
    const seen: number[][][][] = [];
    const original = enc.posConv.forward.bind(enc.posConv);
    enc.posConv.forward = (x: tf.Tensor) => {
      seen.push(x.arraySync() as number[][][]);
      return original(x);
    };
    tf.tidy(() => {
      enc.forward(wave, { mask });
    });
    const features = tf.tidy(() => enc.localFeatures(wave).arraySync() as number[][][]);
    const emb = Array.from(enc.maskEmb.token.dataSync());
    expect(seen.length).to.equal(1);
    maskRows.forEach((row, b) => row.forEach((m, i) => {
      const expected = m ? emb : features[b][i];
      seen[0][b][i].forEach((v, d) => expect(v).to.be.closeTo(expected[d], 1e-6));
    }));
    tf.dispose([wave, mask]);
    enc.dispose();
  });

  it('with the features before the mask replaced, changing masked frames changes nothing and an unmasked frame changes the output', () => {
    const enc = new AudioEncoderV1(config, new Rng(5)).eval();
    const rng = new Rng(6);
    const t = 12;
    const base = tf.tensor3d(rng.normalArray(2 * t * 32), [2, t, 32]);
    const maskRows = [Array.from({ length: t }, (_, i) => (i < 4 ? 1 : 0)), Array.from({ length: t }, (_, i) => (i >= 6 && i < 10 ? 1 : 0))];
    const mask = tf.tensor2d(maskRows);
    let features = base;
    enc.localFeatures = () => features;
    const run = () => tf.tidy(() => enc.forward(tf.zeros([2, 400 + 320 * (t - 1)]), { mask }).out);
    const reference = run();
    const noise = tf.tensor3d(rng.normalArray(2 * t * 32, 5), [2, t, 32]);
    features = tf.tidy(() => tf.add(base, tf.mul(noise, mask.expandDims(-1))));
    const maskedChanged = run();
    const unmasked = tf.tensor2d(maskRows.map((row) => row.map((m, i) => (!m && i === 5 ? 1 : 0))));
    features = tf.tidy(() => tf.add(base, tf.mul(noise, unmasked.expandDims(-1))));
    const unmaskedChanged = run();
    expect(maxAbsDiff(reference, maskedChanged)).to.equal(0);
    expect(maxAbsDiff(reference, unmaskedChanged)).to.be.greaterThan(1e-3);
    tf.dispose([base, mask, noise, reference, maskedChanged, unmasked, unmaskedChanged, features]);
    enc.dispose();
  });

  it('refuses padded batches and masks of the wrong frame count with one sentence', () => {
    const enc = new AudioEncoderV1(config, new Rng(1));
    const wave = tf.zeros([2, 4000]);
    expect(() => enc.forward(wave, { padMask: tf.zeros([2, 4000]) })).to.throw('the speech encoder takes unpadded batches; crop every clip to the shortest one (collateAudio) or encode clips one at a time.');
    expect(() => enc.forward(wave, { mask: tf.zeros([2, 5]) })).to.throw(`the mask has shape [2,5] but 4000 samples give [2, ${referenceFrames(4000)}] frames; build it with outputLength(samples) frames per row.`);
    expect(() => new PositionalConv(40, { width: 95, depth: 5, groups: 16 }, new Rng(0))).to.throw('the model width 40 is not divisible by the positional conv groups (16); choose a width that is a multiple of 16.');
    wave.dispose();
    enc.dispose();
  });
});

describe('audio encoder v1: gradients vs finite differences', () => {
  const randn = (rng: Rng, shape: number[]) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape);
  const cases: { name: string; wasmOnly?: boolean; build: (rng: Rng) => { module: Module; input: tf.Tensor; run: (x: tf.Tensor) => tf.Tensor } }[] = [
    { name: 'ConvFeatureLayer (conv → LN → GELU), stride 2', build: (r) => {
      const m = new ConvFeatureLayer(3, [4, 3, 2], false, r);
      return { module: m, input: randn(r, [2, 11, 3]), run: (x) => m.forward(x) };
    } },
    { name: 'PositionalConvLayer (grouped conv, parameter-free LN, GELU)', build: (r) => {
      const m = new PositionalConvLayer(32, 5, 16, r);
      return { module: m, input: randn(r, [2, 6, 32]), run: (x) => m.forward(x) };
    } },
    { name: 'FeatureProjection (LN → Linear)', build: (r) => {
      const m = new FeatureProjection(6, 8, 1e-5, r);
      return { module: m, input: randn(r, [2, 3, 6]), run: (x) => m.forward(x) };
    } },
    { name: 'AudioEncoderV1 (8 CNN channels, D 16, one block, with a mask)', wasmOnly: true, build: (r) => {
      const m = new AudioEncoderV1({
        ...microEncoderConfig(), convLayers: WAV2VEC2_CONV_LAYERS.map(([, k, s]) => [8, k, s]), dim: 16, ffnDim: 32, depth: 1, heads: 2,
      }, r);
      const mask = tf.tensor2d([[1, 1, 0], [0, 1, 0]]);
      return { module: m, input: randn(r, [2, 1040]), run: (x) => m.forward(x, { mask }).out };
    } },
  ];
  for (const backend of TRAINING_BACKENDS) {
    for (const c of cases.filter((x) => backend === 'wasm' || !x.wasmOnly)) {
      it(`${c.name} on ${backend}`, async () => {
        await withBackend(backend, () => {
          const rng = new Rng(21);
          const { module, input, run } = c.build(rng);
          module.eval();
          const x = tf.variable(input);
          const probe = tf.tidy(() => randn(rng, run(x).shape));
          const loss = () => tf.tidy(() => tf.sum(tf.mul(run(x), probe)) as tf.Scalar);
          const vars: [string, tf.Variable][] = [...module.namedTrainableParameters(), ['input', x]];
          const r = gradCheck(loss, vars, { eps: 1e-2, perTensor: 2 });
          expect(r.checked).to.be.greaterThan(vars.length);
          expect(r.worst, r.where).to.be.lessThan(3e-2);
          tf.dispose([x, probe]);
          module.dispose();
        });
      });
    }
  }
});
