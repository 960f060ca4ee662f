/**
 * Mixup and CutMix (spec §6 image fine-tuning): shapes, pixels and targets mixed with
 * the reversed batch by the reported λ, CutMix λ equal to the kept area, and the
 * Beta(α, α) sampler's moments.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { betaSample, mixBatch } from '../../src/finetune/mixup';
import { smoothedTargets } from '../../src/finetune/label-smoothing';
import { Rng } from '../../src/util/rng';

function batch(): { images: tf.Tensor4D; targets: tf.Tensor2D } {
  const rng = new Rng(3);
  return { images: tf.tensor4d(rng.uniformArray(4 * 6 * 5 * 2), [4, 6, 5, 2]), targets: smoothedTargets([0, 1, 2, 1], 3, 0) };
}

describe('mixup and cutmix', () => {
  it('mixup: x·λ + reversed(x)·(1 − λ), same for the targets', () => {
    const { images, targets } = batch();
    const m = mixBatch(images, targets, { mixupAlpha: 0.8, cutmixAlpha: 0, prob: 1, switchProb: 0.5 }, new Rng(1));
    expect(m.method).to.equal('mixup');
    expect(m.images.shape).to.deep.equal([4, 6, 5, 2]);
    expect(m.targets.shape).to.deep.equal([4, 3]);
    expect(m.lambda).to.be.within(0, 1);
    const want = tf.add(tf.mul(images, m.lambda), tf.mul(tf.reverse(images, 0), 1 - m.lambda));
    expect(tf.max(tf.abs(tf.sub(m.images, want))).dataSync()[0]).to.be.below(1e-6);
    const t = m.targets.arraySync() as number[][];
    // sample 0 (class 0) mixed with sample 3 (class 1)
    expect(t[0][0]).to.be.closeTo(m.lambda, 1e-6);
    expect(t[0][1]).to.be.closeTo(1 - m.lambda, 1e-6);
    t.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-6));
    tf.dispose([images, targets, m.images, m.targets, want]);
  });

  it('cutmix: every pixel comes from x or reversed(x), and the share kept from x is λ', () => {
    const { images, targets } = batch();
    const m = mixBatch(images, targets, { mixupAlpha: 0, cutmixAlpha: 1, prob: 1, switchProb: 0.5 }, new Rng(7));
    expect(m.method).to.equal('cutmix');
    const x = images.arraySync() as number[][][][];
    const r = tf.reverse(images, 0).arraySync() as number[][][][];
    const y = m.images.arraySync() as number[][][][];
    let fromOther = 0;
    for (let yy = 0; yy < 6; yy++) {
      for (let xx = 0; xx < 5; xx++) {
        const same = y[0][yy][xx][0] === x[0][yy][xx][0];
        const other = y[0][yy][xx][0] === r[0][yy][xx][0];
        expect(same || other).to.equal(true);
        if (!same) fromOther++;
        // the same box for every image and channel
        for (let b = 0; b < 4; b++) for (let c = 0; c < 2; c++) expect(y[b][yy][xx][c]).to.equal(same ? x[b][yy][xx][c] : r[b][yy][xx][c]);
      }
    }
    expect(m.lambda).to.be.closeTo(1 - fromOther / 30, 1e-9);
    const t = m.targets.arraySync() as number[][];
    expect(t[1][1]).to.be.closeTo(m.lambda + (1 - m.lambda) * 0, 1e-6); // sample 1 (class 1) with sample 2 (class 2)
    expect(t[1][2]).to.be.closeTo(1 - m.lambda, 1e-6);
    tf.dispose([images, targets, m.images, m.targets]);
  });

  it('prob 0 leaves the batch as it is', () => {
    const { images, targets } = batch();
    const m = mixBatch(images, targets, { mixupAlpha: 0.8, cutmixAlpha: 1, prob: 0, switchProb: 0.5 }, new Rng(1));
    expect(m.method).to.equal('none');
    expect(m.lambda).to.equal(1);
    expect(Array.from(m.images.dataSync())).to.deep.equal(Array.from(images.dataSync()));
    tf.dispose([images, targets, m.images, m.targets]);
  });

  it('Beta(α, α) draws have mean 1/2 and variance 1/(4(2α + 1))', () => {
    for (const alpha of [0.8, 2]) {
      const rng = new Rng(`beta${alpha}`);
      const xs = Array.from({ length: 4000 }, () => betaSample(alpha, rng));
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
      expect(mean).to.be.closeTo(0.5, 0.015);
      expect(variance).to.be.closeTo(1 / (4 * (2 * alpha + 1)), 0.006);
      expect(xs.every((v) => v > 0 && v < 1)).to.equal(true);
    }
  });
});
