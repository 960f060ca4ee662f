/** L2 strength chosen on a validation part of train (src/eval/probe-selection.ts). */
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { LabelledFeatures } from '../../src/eval/features';
import { linearProbe } from '../../src/eval/linear-probe';
import { selectedLinearProbe, stratifiedHoldout } from '../../src/eval/probe-selection';
import { gaussianClusters, randomLabels } from './synthetic';

describe('eval/selectedLinearProbe', () => {
  it('holds out a seeded, class-stratified fifth of train, disjoint from the rest', () => {
    const labels = Int32Array.from({ length: 103 }, (_, i) => (i < 50 ? 0 : i < 100 ? 1 : 2));
    const { fit, validation } = stratifiedHoldout(labels, 0.2, 3);
    expect(fit.length + validation.length).to.equal(103);
    expect(new Set([...fit, ...validation]).size).to.equal(103);
    const count = (idx: number[], c: number) => idx.filter((i) => labels[i] === c).length;
    expect([count(validation, 0), count(validation, 1), count(validation, 2)]).to.deep.equal([10, 10, 1]);
    expect(stratifiedHoldout(labels, 0.2, 3)).to.deep.equal({ fit, validation });
    expect(stratifiedHoldout(labels, 0.2, 4).validation).to.not.deep.equal(validation);
    expect(() => stratifiedHoldout(labels, 1, 0)).to.throw(/fraction/);
  });

  it('never looks at test: scrambled test labels change the score but not the chosen strength or weights', async () => {
    const rng = new Rng(21);
    const train = gaussianClusters(rng, 300, 6, 3, 4);
    const test = gaussianClusters(rng, 200, 6, 3, 4);
    const scrambled: LabelledFeatures = { ...test, y: test.y.map((c) => (c + 1) % 3) };
    const a = await selectedLinearProbe(train, test, 3);
    const b = await selectedLinearProbe(train, scrambled, 3);
    expect(b.weightDecay).to.equal(a.weightDecay);
    expect(Array.from(b.weights)).to.deep.equal(Array.from(a.weights));
    expect(a.accuracy).to.be.above(0.8);
    expect(b.accuracy).to.be.below(0.2);
  });

  it('keeps the candidate with the best validation accuracy and refits on all of train with it', async () => {
    const rng = new Rng(22);
    // Few rows, many noise dimensions: weak penalties overfit, so validation prefers a stronger one.
    const signal = gaussianClusters(rng, 60, 2, 2, 1.0);
    const noise = randomLabels(rng, 60, 40, 2);
    const x = new Float32Array(60 * 42);
    for (let i = 0; i < 60; i++) {
      x.set(signal.x.subarray(i * 2, i * 2 + 2), i * 42);
      x.set(noise.x.subarray(i * 40, i * 40 + 40), i * 42 + 2);
    }
    const train: LabelledFeatures = { x, y: signal.y, n: 60, dim: 42 };
    const r = await selectedLinearProbe(train, train, 2, { candidates: [1e-4, 1e-2, 1] });
    const best = Math.max(...r.validation.map((v) => v.accuracy));
    const chosen = r.validation.filter((v) => v.accuracy === best).map((v) => v.weightDecay);
    expect(r.weightDecay).to.equal(chosen[chosen.length - 1]);
    expect(r.validation.map((v) => v.weightDecay)).to.deep.equal([1e-4, 1e-2, 1]);
    const refit = await linearProbe(train, train, 2, { weightDecay: r.weightDecay });
    expect(Array.from(r.weights)).to.deep.equal(Array.from(refit.weights));
  });
});
