/**
 * Affine-free batch norm of the fine-tuning head (MAE linear-probe head,
 * `BatchNorm1d(affine=False, eps=1e-6)`): train mode standardises each feature with
 * the batch statistics and moves the running statistics as PyTorch does (momentum
 * 0.1, unbiased variance); eval mode uses the running statistics; no gradient
 * parameter is exposed.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { BatchNorm1d } from '../../src/nn/batch-norm';

describe('nn/BatchNorm1d', () => {
  it('standardises with batch statistics in train mode and updates the running ones like PyTorch', () => {
    const bn = new BatchNorm1d(2);
    const x = tf.tensor2d([[1, 10], [3, 10], [5, 16], [7, 4]]);
    const y = bn.forward(x);
    const m = tf.moments(y, 0);
    expect(Array.from(m.mean.dataSync()).map((v) => Math.abs(v))).to.satisfy((a: number[]) => a.every((v) => v < 1e-5));
    Array.from(m.variance.dataSync()).forEach((v) => expect(v).to.be.closeTo(1, 1e-4));
    // batch means 4 and 10; unbiased variances 20/3 and 72/3 = 24
    const rm = Array.from(bn.runningMean.dataSync());
    const rv = Array.from(bn.runningVar.dataSync());
    expect(rm[0]).to.be.closeTo(0.4, 1e-6);
    expect(rm[1]).to.be.closeTo(1.0, 1e-6);
    expect(rv[0]).to.be.closeTo(0.9 + 0.1 * (20 / 3), 1e-5);
    expect(rv[1]).to.be.closeTo(0.9 + 0.1 * 24, 1e-5);
    expect(bn.namedTrainableParameters()).to.have.length(0);
    bn.eval();
    const e = bn.forward(tf.tensor2d([[0.4, 1]])).dataSync();
    expect(e[0]).to.be.closeTo(0, 1e-6);
    expect(e[1]).to.be.closeTo(0, 1e-6);
    const e2 = bn.forward(tf.tensor2d([[0.4 + Math.sqrt(rv[0] + 1e-6), 1]])).dataSync();
    expect(e2[0]).to.be.closeTo(1, 1e-5);
    tf.dispose([x, y]);
    bn.dispose();
  });
});
