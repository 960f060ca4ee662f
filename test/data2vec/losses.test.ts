/** Regression losses and collapse diagnostics (spec §5.1, traps 7, 16, 29). */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { maskedRegressionLoss, perTokenLoss, smoothL1 } from '../../src/data2vec/losses';
import { computeVar } from '../../src/data2vec/diagnostics';
import { collapseWarning } from '../../src/train/collapse-guard';

describe('losses', () => {
  it('smooth L1 matches 0.5·d²/β inside β and |d| − β/2 outside', () => {
    const got = smoothL1(tf.tensor1d([0.5, -1, 3, -4]), 2).dataSync();
    [0.0625, 0.25, 2, 3].forEach((w, i) => expect(got[i]).to.be.closeTo(w, 1e-6));
  });

  it('has the smooth L1 gradient (d/β inside, sign(d) outside)', () => {
    const g = tf.grad((d: tf.Tensor) => tf.sum(smoothL1(d, 2)))(tf.tensor1d([0.5, -1, 3, -4])).dataSync();
    [0.25, -0.5, 1, -1].forEach((w, i) => expect(g[i]).to.be.closeTo(w, 1e-6));
  });

  it('L2 summed over dims and scaled by 1/√D, averaged over masked tokens only', () => {
    const pred = tf.tensor3d([[[1, 1, 1, 1], [0, 0, 0, 0], [5, 5, 5, 5]]]);
    const target = tf.zeros([1, 3, 4]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    const cfg = { beta: 0, reduction: 'sum' as const, scale: 'invSqrtDim' as const };
    expect(perTokenLoss(pred, target, cfg).dataSync()[0]).to.be.closeTo(4 / 2, 1e-6);
    expect(maskedRegressionLoss(pred, target, mask, cfg).dataSync()[0]).to.be.closeTo((2 + 0) / 2, 1e-6);
  });

  it('data2vec_vision reduction: smooth L1 mean over all masked elements', () => {
    const pred = tf.tensor3d([[[1, 3], [0, 0]]]);
    const target = tf.zeros([1, 2, 2]);
    const mask = tf.tensor2d([[1, 0]]);
    const loss = maskedRegressionLoss(pred, target, mask, { beta: 2, reduction: 'mean', scale: 1 });
    expect(loss.dataSync()[0]).to.be.closeTo((0.25 + 2) / 2, 1e-6);
  });
});

describe('collapse diagnostics', () => {
  it('computeVar is the mean over dims of the unbiased per-dim std at the selected rows', () => {
    const y = tf.tensor3d([[[1, 0], [3, 0], [100, 100]]]);
    const w = tf.tensor2d([[1, 1, 0]]);
    // dim 0: values 1, 3 → unbiased var 2; dim 1: 0, 0 → var 0
    const want = (Math.sqrt(2 + 1e-6) + Math.sqrt(1e-6)) / 2;
    expect(computeVar(y, w).dataSync()[0]).to.be.closeTo(want, 1e-5);
  });

  it('warns only after the grace period and names the collapsing quantity', () => {
    const t = { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: 10 };
    expect(collapseWarning(5, 0.01, 0.001, t)).to.equal(undefined);
    expect(collapseWarning(10, 0.05, 0.5, t)).to.match(/target_var 0\.0500 is below 0\.1/);
    expect(collapseWarning(10, 0.5, 0.001, t)).to.match(/pred_var 0\.0010 is below 0\.01/);
    expect(collapseWarning(10, 0.5, 0.5, t)).to.equal(undefined);
  });
});
