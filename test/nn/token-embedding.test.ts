/**
 * Token embedding (spec §1.4, `init_bert_params`): init statistics and the zero padding
 * row, exact lookups, the gradient (a segment sum over ids, none for the padding row)
 * by hand and by finite differences, on both training backends.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { TokenEmbedding, embeddingLookup } from '../../src/nn/token-embedding';
import { gradCheck } from '../helpers/gradcheck';
import { TRAINING_BACKENDS, withBackend } from '../helpers/backends';

describe('TokenEmbedding', () => {
  it('initialises N(0, 0.02) with the padding row zero, deterministically per seed', () => {
    const a = new TokenEmbedding(4096, 64, new Rng(3), { paddingIdx: 1 });
    const b = new TokenEmbedding(4096, 64, new Rng(3), { paddingIdx: 1 });
    const c = new TokenEmbedding(4096, 64, new Rng(4), { paddingIdx: 1 });
    const w = a.weight.dataSync();
    expect(Array.from(w.subarray(64, 128)).every((v) => v === 0)).to.equal(true);
    const rest = Array.from(w).filter((_, i) => i < 64 || i >= 128);
    const mean = rest.reduce((s, v) => s + v, 0) / rest.length;
    const std = Math.sqrt(rest.reduce((s, v) => s + (v - mean) ** 2, 0) / rest.length);
    expect(Math.abs(mean)).to.be.below(2e-4);
    expect(std).to.be.closeTo(0.02, 2e-4);
    expect(Array.from(b.weight.dataSync())).to.deep.equal(Array.from(w));
    expect(c.weight.dataSync()[0]).to.not.equal(w[0]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('rejects a padding row outside the table', () => {
    expect(() => new TokenEmbedding(4, 2, new Rng(0), { paddingIdx: 4 })).to.throw('paddingIdx 4 is not a row of the 4-row embedding table.');
  });

  for (const backend of TRAINING_BACKENDS) {
    describe(`on ${backend}`, () => {
      it('looks up exact rows for ids of any shape', async () => {
        await withBackend(backend, () => {
          const table = tf.tensor2d([[0, 1], [10, 11], [20, 21], [30, 31]]);
          const out = embeddingLookup(table, tf.tensor2d([[3, 0, 1], [2, 2, 3]], [2, 3], 'int32'));
          expect(out.shape).to.deep.equal([2, 3, 2]);
          expect(Array.from(out.dataSync())).to.deep.equal([30, 31, 0, 1, 10, 11, 20, 21, 20, 21, 30, 31]);
          tf.dispose([table, out]);
        });
      });

      it('gradient is the sum of upstream gradients per id, none for the padding row', async () => {
        await withBackend(backend, () => {
          const emb = new TokenEmbedding(5, 2, new Rng(1), { paddingIdx: 1 });
          const ids = tf.tensor2d([[4, 1, 4], [0, 1, 2]], [2, 3], 'int32');
          // d loss / d out[b, t, :] = upstream[b, t, :]
          const upstream = tf.tensor3d([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
          const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(emb.forward(ids), upstream)) as tf.Scalar, [emb.weight]);
          const g = Array.from(grads[emb.weight.name].dataSync());
          // row 0: (7, 8); row 1 (padding): nothing; row 2: (11, 12); row 3: unused; row 4: (1+5, 2+6)
          expect(g).to.deep.equal([7, 8, 0, 0, 11, 12, 0, 0, 6, 8]);
          tf.dispose([ids, upstream, value, ...Object.values(grads)]);
          emb.dispose();
        });
      });

      it('matches finite differences through a nonlinear loss', async () => {
        await withBackend(backend, () => {
          const rng = new Rng(7);
          const emb = new TokenEmbedding(6, 3, rng, { std: 0.5 });
          const ids = tf.tensor2d([[0, 5, 5, 2], [3, 0, 1, 1]], [2, 4], 'int32');
          const w = tf.tensor1d([0.3, -0.7, 1.1]);
          const r = gradCheck(() => tf.sum(tf.tanh(tf.mul(emb.forward(ids), w))) as tf.Scalar, [['weight', emb.weight]], { eps: 1e-2, perTensor: 18 });
          expect(r.worst, r.where).to.be.below(2e-2);
          tf.dispose([ids, w]);
          emb.dispose();
        });
      });
    });
  }

  it('names an out-of-range id (wasm row copy)', async () => {
    await withBackend('wasm', () => {
      const table = tf.zeros([3, 2]);
      const ids = tf.tensor1d([0, 3], 'int32');
      expect(() => embeddingLookup(table, ids)).to.throw('token id 3 is outside the embedding table of 3 rows.');
      tf.dispose([table, ids]);
    });
  });
});
