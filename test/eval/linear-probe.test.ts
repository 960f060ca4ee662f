/** Linear probe (src/eval/linear-probe.ts) on synthetic features with a known answer. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { expectRejection } from '../helpers/rejects';
import { Rng } from '../../src/util/rng';
import { LabelledFeatures, standardize } from '../../src/eval/features';
import { linearProbe, LinearProbeResult } from '../../src/eval/linear-probe';
import { affineColumn, fromRows, gaussianClusters, randomLabels } from './synthetic';

/** Squared Frobenius norm. */
const sqNorm = (w: Float32Array) => w.reduce((s, v) => s + v * v, 0);

/** Run `body` and check it leaves the tensor count unchanged. */
async function noLeak<T>(body: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await body();
  expect(tf.memory().numTensors).to.equal(before);
  return out;
}

describe('eval/linearProbe', () => {
  const rng = new Rng(11);
  const train = gaussianClusters(rng, 600, 8, 4, 4);
  const test = gaussianClusters(rng, 400, 8, 4, 4);

  it('reaches ≥ 0.95 on linearly separable Gaussian clusters, with either optimiser, leaking no tensors', async () => {
    for (const optimizer of ['lbfgs', 'adam'] as const) {
      const result = await noLeak(() => linearProbe(train, test, 4, { optimizer, epochs: 60 }));
      expect(result.accuracy, optimizer).to.be.at.least(0.95);
      expect(result.trainAccuracy, optimizer).to.be.at.least(0.95);
      expect(result.predictions.length).to.equal(400);
    }
  });

  it('is at chance when labels are independent of the features', async () => {
    const r = new Rng(12);
    const result = await linearProbe(randomLabels(r, 500, 16, 10), randomLabels(r, 3000, 16, 10), 10);
    expect(result.accuracy).to.be.within(0.07, 0.13);
  });

  it('returns the minimum of the documented objective: its autograd gradient vanishes there', async () => {
    const r = new Rng(13);
    const overlapping = gaussianClusters(r, 400, 6, 3, 1.5);
    const wd = 0.02;
    const result = await noLeak(() => linearProbe(overlapping, overlapping, 3, { weightDecay: wd, epochs: 500, gradientTolerance: 1e-6 }));
    expect(result.epochs).to.be.below(500); // stopped on the gradient tolerance
    const stats = result.featureStats!;
    const { n, dim } = overlapping;
    const x = tf.tensor2d(standardize(overlapping.x, n, dim, stats), [n, dim]);
    const oneHot = tf.oneHot(tf.tensor1d(overlapping.y, 'int32'), 3).toFloat();
    const w = tf.tensor2d(result.weights, [dim, 3]);
    const b = tf.tensor1d(result.bias);
    // mean cross-entropy + (wd / 2)·‖W‖², bias not penalised
    const objective = (wt: tf.Tensor, bt: tf.Tensor) =>
      tf.add(
        tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(tf.add(tf.matMul(x, wt), bt))), 1))),
        tf.mul(wd / 2, tf.sum(tf.square(wt))),
      ) as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(objective)([w, b]);
    expect(value.dataSync()[0]).to.be.closeTo(result.finalLoss, 1e-5);
    for (const g of grads) for (const v of g.dataSync()) expect(Math.abs(v)).to.be.below(2e-5);
    tf.dispose([x, oneHot, w, b, value, ...grads]);
  });

  it('weight decay shrinks the weights monotonically and, when huge, leaves only the class prior', async () => {
    const r = new Rng(14);
    const overlapping = gaussianClusters(r, 300, 6, 3, 1.5);
    let previousNorm = Infinity;
    let previousLoss = -Infinity;
    for (const weightDecay of [1e-3, 1e-2, 1e-1, 1]) {
      const result = await linearProbe(overlapping, overlapping, 3, { weightDecay, epochs: 300 });
      expect(sqNorm(result.weights), `wd=${weightDecay}`).to.be.below(previousNorm);
      expect(result.finalLoss, `wd=${weightDecay}`).to.be.above(previousLoss);
      previousNorm = sqNorm(result.weights);
      previousLoss = result.finalLoss;
    }
    // Imbalanced labels (60 % class 2): with W forced to ~0 every row gets the majority class.
    const imbalanced: LabelledFeatures = { ...overlapping, y: overlapping.y.map((_, i) => (i % 5 < 3 ? 2 : i % 5 === 3 ? 0 : 1)) };
    const shrunk = await linearProbe(imbalanced, imbalanced, 3, { weightDecay: 1e4 });
    expect(sqNorm(shrunk.weights)).to.be.below(1e-6);
    expect(Array.from(shrunk.predictions).every((p) => p === 2)).to.equal(true);
    // The bias then holds the log class prior (up to a shared constant).
    expect(shrunk.bias[2] - shrunk.bias[0]).to.be.closeTo(Math.log(0.6 / 0.2), 1e-3);
  });

  it('standardisation makes the probe invariant to per-feature scale and offset', async () => {
    const warp = (f: LabelledFeatures) => affineColumn(affineColumn(f, 0, 1000, 50), 1, 1e-3, -7);
    const plain = await linearProbe(train, test, 4, { weightDecay: 0.05 });
    const warped = await linearProbe(warp(train), warp(test), 4, { weightDecay: 0.05 });
    expect(Array.from(warped.predictions)).to.deep.equal(Array.from(plain.predictions));
    expect(warped.finalLoss).to.be.closeTo(plain.finalLoss, 1e-4);
    warped.weights.forEach((v, i) => expect(v).to.be.closeTo(plain.weights[i], 1e-3));
  });

  it('without standardisation, weight decay swamps a feature measured in tiny units', async () => {
    // Two classes (70 % / 30 %) separated only along feature 0, which is scaled by 1e-3.
    const r = new Rng(15);
    const make = (n: number) => {
      const rows: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const label = i % 10 < 7 ? 0 : 1;
        rows.push([1e-3 * ((label === 0 ? -2 : 2) + 0.5 * r.normal()), r.normal()]);
        labels.push(label);
      }
      return fromRows(rows, labels);
    };
    const [tr, te] = [make(400), make(400)];
    const standardized = await linearProbe(tr, te, 2, { weightDecay: 0.01 });
    const raw = await linearProbe(tr, te, 2, { weightDecay: 0.01, standardize: false });
    expect(standardized.accuracy).to.be.at.least(0.95);
    expect(standardized.featureStats).to.not.equal(undefined);
    expect(raw.featureStats).to.equal(undefined);
    expect(Array.from(raw.predictions).every((p) => p === 0)).to.equal(true);
    expect(raw.accuracy).to.be.closeTo(0.7, 1e-9);
  });

  it('standardises the test split with the train split’s statistics', async () => {
    // 1-D: class 0 near −1, class 1 near +1 in train; the test split holds class 1 only.
    // Its own statistics would centre it on 0 and split it between the classes.
    const r = new Rng(16);
    const tr = fromRows(Array.from({ length: 200 }, (_, i) => [(i % 2 === 0 ? -1 : 1) + 0.3 * r.normal()]), Array.from({ length: 200 }, (_, i) => i % 2));
    const te = fromRows(Array.from({ length: 100 }, () => [1 + 0.3 * r.normal()]), new Array(100).fill(1));
    expect((await linearProbe(tr, te, 2)).accuracy).to.be.at.least(0.95);
  });

  it('is deterministic: L-BFGS has no randomness, Adam follows its seed', async () => {
    const same = (a: LinearProbeResult, b: LinearProbeResult) => {
      expect(Array.from(a.weights)).to.deep.equal(Array.from(b.weights));
      expect(Array.from(a.predictions)).to.deep.equal(Array.from(b.predictions));
    };
    same(await linearProbe(train, test, 4, { epochs: 20 }), await linearProbe(train, test, 4, { epochs: 20 }));
    const adam = (seed: number) => linearProbe(train, test, 4, { optimizer: 'adam', epochs: 5, batchSize: 64, seed });
    const [a1, a2, b] = [await adam(1), await adam(1), await adam(2)];
    same(a1, a2);
    expect(b.weights.some((v, i) => Math.abs(v - a1.weights[i]) > 1e-4)).to.equal(true);
  });

  it('Adam approaches the L-BFGS minimum from above', async () => {
    const r = new Rng(17);
    const overlapping = gaussianClusters(r, 400, 6, 3, 1.5);
    const lbfgs = await linearProbe(overlapping, overlapping, 3, { epochs: 300 });
    const adam = await linearProbe(overlapping, overlapping, 3, { optimizer: 'adam', epochs: 100, batchSize: 64, learningRate: 0.02 });
    expect(adam.finalLoss).to.be.at.least(lbfgs.finalLoss - 1e-5);
    expect(adam.finalLoss).to.be.below(lbfgs.finalLoss * 1.01);
  });

  it('reports every epoch: decreasing full-batch losses for L-BFGS, exactly `epochs` calls for Adam', async () => {
    const seen: [number, number][] = [];
    const result = await linearProbe(train, test, 4, { epochs: 15, onEpoch: (e, l) => seen.push([e, l]) });
    expect(seen.map(([e]) => e)).to.deep.equal(Array.from({ length: result.epochs }, (_, i) => i + 1));
    expect(result.epochs).to.be.at.most(15);
    for (let i = 1; i < seen.length; i++) expect(seen[i][1]).to.be.below(seen[i - 1][1]);
    expect(seen[seen.length - 1][1]).to.be.closeTo(result.finalLoss, 1e-5);

    const epochs: number[] = [];
    const adam = await linearProbe(train, test, 4, { optimizer: 'adam', epochs: 4, onEpoch: (e) => epochs.push(e) });
    expect(epochs).to.deep.equal([1, 2, 3, 4]);
    expect(adam.epochs).to.equal(4);
  });

  it('rejects mismatched splits and bad options with a sentence naming the field', async () => {
    const other = gaussianClusters(new Rng(1), 10, 5, 4, 1);
    await expectRejection(linearProbe(train, other, 4), 'test has dim=5 but train has dim=8');
    await expectRejection(linearProbe(train, test, 3), 'train.y[3] is 3, outside [0, 3)');
    await expectRejection(linearProbe(train, test, 4, { weightDecay: -1 }), 'linearProbe option weightDecay is -1');
    await expectRejection(linearProbe(train, test, 4, { epochs: 1.5 }), 'linearProbe option epochs is 1.5');
    await expectRejection(linearProbe(train, test, 4, { optimizer: 'sgd' as 'adam' }), 'optimizer is "sgd"');
  });
});
