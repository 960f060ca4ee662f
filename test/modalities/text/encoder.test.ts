/**
 * The RoBERTa-style text encoder (spec §1.4): fairseq `make_positions`, shapes and
 * HF-style names, the padding mask (outputs at real tokens do not depend on padding),
 * `<mask>` replacement, and finite-difference gradients on wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../../src/util/rng';
import { TextEncoderV1 } from '../../../src/modalities/text/encoder-v1';
import { makePositions } from '../../../src/modalities/text/text-embeddings';
import { gradCheck } from '../../helpers/gradcheck';
import { TRAINING_BACKENDS, withBackend } from '../../helpers/backends';
import { SMALL_TEXT_ENCODER } from './fixtures';


const ids = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0].length], 'int32');

describe('text encoder v1', () => {
  it('make_positions: real tokens count from pad+1, padding takes the pad row, mid-row pads compact', () => {
    const p = makePositions(ids([[0, 5, 6, 2, 1, 1], [0, 1, 7, 1, 8, 2]]), 1);
    expect(p.arraySync()).to.deep.equal([[2, 3, 4, 5, 1, 1], [2, 1, 3, 1, 4, 5]]);
    p.dispose();
  });

  it('has the fairseq shapes and HF-style embedding names (position table maxPositions + pad + 1 rows)', () => {
    const enc = new TextEncoderV1(SMALL_TEXT_ENCODER, new Rng(0));
    const shapes = new Map(enc.namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes.get('embeddings.word_embeddings.weight')).to.deep.equal([50, 16]);
    expect(shapes.get('embeddings.position_embeddings.weight')).to.deep.equal([22, 16]);
    expect(shapes.get('embeddings.LayerNorm.weight')).to.deep.equal([16]);
    expect(shapes.get('encoder.layers.2.mlp.fc1.weight')).to.deep.equal([16, 32]);
    expect(shapes.get('encoder.layers.0.attn.k_proj.bias')).to.deep.equal([16]);
    expect([...shapes.keys()].some((n) => n.startsWith('norm') || n.includes('final'))).to.equal(false);
    // padding rows are zero at init (init_bert_params)
    expect(Array.from(enc.embeddings.wordEmbeddings.weight.dataSync().subarray(16, 32)).every((v) => v === 0)).to.equal(true);
    expect(Array.from(enc.embeddings.positionEmbeddings.weight.dataSync().subarray(16, 32)).every((v) => v === 0)).to.equal(true);
    enc.eval();
    const tokens = ids([[0, 5, 6, 2, 1, 1], [0, 7, 8, 9, 10, 2]]);
    tf.tidy(() => {
      const r = enc.forward(tokens);
      expect(r.out.shape).to.deep.equal([2, 6, 16]);
      expect(r.layers).to.have.length(3);
      r.layers.forEach((l) => expect(l.ffn.shape).to.deep.equal([2, 6, 16]));
      expect(r.padMask!.arraySync()).to.deep.equal([[0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0]]);
    });
    tokens.dispose();
    enc.dispose();
  });

  it('outputs at real tokens do not depend on how much padding follows them (key padding mask)', () => {
    const enc = new TextEncoderV1(SMALL_TEXT_ENCODER, new Rng(1)).eval();
    tf.tidy(() => {
      const alone = enc.forward(ids([[0, 5, 6, 2]]));
      const padded = enc.forward(ids([[0, 5, 6, 2, 1, 1, 1], [0, 9, 9, 9, 9, 9, 2]]));
      const first = (t: tf.Tensor) => t.slice([0, 0, 0], [1, 4, 16]);
      const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      expect(diff(alone.out, first(padded.out))).to.be.below(1e-5);
      alone.layers.forEach((l, i) => expect(diff(l.ffn, first(padded.layers[i].ffn))).to.be.below(1e-5));
      // the same row followed by real tokens instead of padding gives other outputs
      const unmasked = enc.forward(ids([[0, 5, 6, 2, 4, 4, 4]]));
      expect(diff(alone.out, first(unmasked.out))).to.be.above(1e-3);
    });
    enc.dispose();
  });

  it('inputs.mask writes <mask> (the last id) at masked positions', () => {
    const enc = new TextEncoderV1(SMALL_TEXT_ENCODER, new Rng(2)).eval();
    const viaMask = tf.tidy(() => enc.forward(ids([[0, 5, 6, 2]]), { mask: tf.tensor2d([[0, 1, 0, 0]]) }).out);
    const direct = tf.tidy(() => enc.forward(ids([[0, 49, 6, 2]])).out);
    const plain = tf.tidy(() => enc.forward(ids([[0, 5, 6, 2]])).out);
    expect(tf.max(tf.abs(tf.sub(viaMask, direct))).dataSync()[0]).to.be.below(1e-6);
    expect(tf.max(tf.abs(tf.sub(viaMask, plain))).dataSync()[0]).to.be.above(1e-3);
    enc.dispose();
  });

  it('names the limit when a sequence is longer than the position table', () => {
    const enc = new TextEncoderV1(SMALL_TEXT_ENCODER, new Rng(0));
    const long = ids([Array.from({ length: 21 }, () => 5)]);
    expect(() => enc.forward(long)).to.throw("a sequence of 21 tokens is longer than the encoder's 20 positions");
    long.dispose();
    enc.dispose();
  });

  for (const backend of TRAINING_BACKENDS) {
    it(`gradients of the embeddings and blocks match finite differences on ${backend}`, async () => {
      await withBackend(backend, () => {
        const enc = new TextEncoderV1({ ...SMALL_TEXT_ENCODER, dim: 8, depth: 1, ffnDim: 16 }, new Rng(5)).eval();
        const tokens = ids([[0, 5, 49, 2, 1], [0, 7, 7, 8, 2]]);
        const w = tf.tensor1d(new Rng(6).normalArray(8));
        const loss = () => tf.tidy(() => tf.sum(tf.tanh(tf.mul(enc.forward(tokens).out, w))) as tf.Scalar);
        const embeddings = enc.namedParameters().filter(([n]) => n.startsWith('embeddings.'));
        const blocks = enc.namedParameters().filter(([n]) => n.includes('fc1.weight') || n.includes('q_proj.weight'));
        expect(embeddings.map(([n]) => n)).to.include('embeddings.position_embeddings.weight');
        expect(blocks).to.have.length(2);
        // the embeddings (std 0.02, then a layer norm) have large, curved gradients: a smaller step
        // keeps the differences' truncation error down; the blocks' small gradients need the larger
        // step to stay above float32 noise
        for (const [params, eps] of [[embeddings, 1e-3], [blocks, 1e-2]] as const) {
          const r = gradCheck(loss, [...params], { eps, perTensor: 6 });
          expect(r.worst, r.where).to.be.below(3e-2);
        }
        tf.dispose([tokens, w]);
        enc.dispose();
      });
    });
  }
});
