/** Weighted kNN (src/eval/knn.ts) against hand-computed votes and a direct re-implementation. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { expectRejection } from '../helpers/rejects';
import { Rng } from '../../src/util/rng';
import { LabelledFeatures } from '../../src/eval/features';
import { knnClassify } from '../../src/eval/knn';
import { fromRows, gaussianClusters } from './synthetic';

/**
 * Train directions: A0 (1, 0) class 0; A1 (0.8, 0.6) and A2 (0.8, −0.6) class 1;
 * A3 (0, 1) and A4 (−0.6, −0.8) class 2. Cosines of each query with A0…A4:
 *   q0 (2, 0):       1, .8, .8, 0, −.6      → top-3 A0, A1, A2
 *   q1 (0, 3):       0, .6, −.6, 1, −.8     → top-3 A3, A1, A0
 *   q2 (0.6, −0.8):  .6, 0, .96, −.8, .28   → top-3 A2, A0, A4
 *   q3 (−0.2, −1):   −.196, −.745, .431, −.981, .902 → top-3 A4, A2, A0
 */
const train = fromRows([[1, 0], [0.8, 0.6], [0.8, -0.6], [0, 1], [-0.6, -0.8]], [0, 1, 1, 2, 2]);
const queries = fromRows([[2, 0], [0, 3], [0.6, -0.8], [-0.2, -1]], [0, 2, 1, 2]);

/** DINO's weighted vote written out directly, in double precision. */
function referenceKnn(tr: LabelledFeatures, te: LabelledFeatures, numClasses: number, k: number, t: number): number[] {
  const unit = (f: LabelledFeatures, i: number) => {
    const row = Array.from(f.x.subarray(i * f.dim, (i + 1) * f.dim));
    const norm = Math.max(Math.hypot(...row), 1e-12);
    return row.map((v) => v / norm);
  };
  const trainRows = Array.from({ length: tr.n }, (_, i) => unit(tr, i));
  return Array.from({ length: te.n }, (_, i) => {
    const q = unit(te, i);
    const sims = trainRows.map((r, j) => ({ s: r.reduce((acc, v, d) => acc + v * q[d], 0), label: tr.y[j] }));
    sims.sort((a, b) => b.s - a.s);
    const votes = new Array(numClasses).fill(0);
    for (const { s, label } of sims.slice(0, k)) votes[label] += Math.exp(s / t);
    return votes.indexOf(Math.max(...votes));
  });
}

describe('eval/knnClassify', () => {
  it('gives the hand-computed predictions on a tiny set', async () => {
    // T = 0.07: q0's single exact match (weight 1) outvotes two neighbours at cos 0.8 (2·e^(−0.2/0.07) ≈ 0.11).
    const sharp = await knnClassify(train, queries, 3, { k: 3 });
    expect(Array.from(sharp.predictions)).to.deep.equal([0, 2, 1, 2]);
    expect(sharp.accuracy).to.equal(1);
    // T = 1: for q0 the two class-1 neighbours win, 2·e^(−0.2) ≈ 1.64 > 1.
    const flat = await knnClassify(train, queries, 3, { k: 3, temperature: 1 });
    expect(Array.from(flat.predictions)).to.deep.equal([1, 2, 1, 2]);
    expect(flat.accuracy).to.equal(0.75);
    // k = 1: the single most similar train row.
    expect(Array.from((await knnClassify(train, queries, 3, { k: 1, temperature: 1 })).predictions)).to.deep.equal([0, 2, 1, 2]);
  });

  it('caps k at the train size', async () => {
    // k = 5 = all train rows; at T = 0.07 the closest neighbour still dominates.
    const all = await knnClassify(train, queries, 3, { k: 100 });
    expect(Array.from(all.predictions)).to.deep.equal(Array.from((await knnClassify(train, queries, 3, { k: 5 })).predictions));
    expect(Array.from(all.predictions)).to.deep.equal(referenceKnn(train, queries, 3, 5, 0.07));
  });

  it('matches a direct double-precision implementation, for any batch size, leaking no tensors', async () => {
    const rng = new Rng(21);
    const tr = gaussianClusters(rng, 300, 16, 5, 1.2);
    const te = gaussianClusters(rng, 120, 16, 5, 1.2);
    const expected = referenceKnn(tr, te, 5, 10, 0.07);
    for (const batchSize of [1, 7, 1000]) {
      const before = tf.memory().numTensors;
      const result = await knnClassify(tr, te, 5, { k: 10, batchSize });
      expect(tf.memory().numTensors).to.equal(before);
      expect(Array.from(result.predictions), `batchSize ${batchSize}`).to.deep.equal(expected);
    }
  });

  it('uses cosine similarity: rescaling rows changes nothing', async () => {
    const rng = new Rng(22);
    const tr = gaussianClusters(rng, 200, 8, 4, 1.5);
    const te = gaussianClusters(rng, 100, 8, 4, 1.5);
    const scaleRows = (f: LabelledFeatures) => ({ ...f, x: f.x.map((v, i) => v * (1 + 50 * ((Math.floor(i / f.dim) * 7) % 5))) });
    const plain = await knnClassify(tr, te, 4);
    expect(Array.from((await knnClassify(scaleRows(tr), scaleRows(te), 4)).predictions)).to.deep.equal(Array.from(plain.predictions));
  });

  it('rejects bad options and mismatched splits with a sentence naming the field', async () => {
    await expectRejection(knnClassify(train, queries, 3, { k: 0 }), 'knnClassify option k is 0');
    await expectRejection(knnClassify(train, queries, 3, { temperature: 0 }), 'knnClassify option temperature is 0');
    await expectRejection(knnClassify(train, queries, 3, { batchSize: 2.5 }), 'knnClassify option batchSize is 2.5');
    await expectRejection(knnClassify(train, fromRows([[1, 2, 3]], [0]), 3), 'test has dim=3 but train has dim=2');
    await expectRejection(knnClassify(train, queries, 2), 'train.y[3] is 2, outside [0, 2)');
  });
});
