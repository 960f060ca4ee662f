/** Standardisation, accuracy, confusion matrix and input checks (src/eval/features.ts). */
import { expect } from 'chai';
import { accuracy, checkLabelledFeatures, confusionMatrix, featureStats, standardize } from '../../src/eval/features';
import { fromRows } from './synthetic';

describe('eval/features', () => {
  it('featureStats gives the per-column mean and population std, and std 1 for a constant column', () => {
    // columns: [1, 3, 5, 7] → mean 4, var (9+1+1+9)/4 = 5; [2, 2, 2, 2] constant; [0, 0, 0, 8] → mean 2, var 12
    const x = Float32Array.from([1, 2, 0, 3, 2, 0, 5, 2, 0, 7, 2, 8]);
    const { mean, std } = featureStats(x, 4, 3);
    expect(Array.from(mean)).to.deep.equal([4, 2, 2]);
    expect(std[0]).to.be.closeTo(Math.sqrt(5), 1e-6);
    expect(std[1]).to.equal(1);
    expect(std[2]).to.be.closeTo(Math.sqrt(12), 1e-6);
    const z = standardize(x, 4, 3, { mean, std });
    expect(z[0]).to.be.closeTo(-3 / Math.sqrt(5), 1e-6);
    expect(z[1]).to.equal(0);
    expect(z[11]).to.be.closeTo(6 / Math.sqrt(12), 1e-6);
  });

  it('standardize applies given statistics to another split, not that split’s own', () => {
    const z = standardize(Float32Array.from([10, 10]), 1, 2, { mean: Float32Array.from([4, 0]), std: Float32Array.from([2, 5]) });
    expect(Array.from(z)).to.deep.equal([3, 2]);
  });

  it('accuracy and confusionMatrix count exactly', () => {
    const labels = Int32Array.from([0, 0, 1, 1, 2, 2, 2]);
    const predictions = Int32Array.from([0, 1, 1, 1, 2, 0, 2]);
    expect(accuracy(predictions, labels)).to.be.closeTo(5 / 7, 1e-12);
    // rows: true class, columns: predicted class
    expect(Array.from(confusionMatrix(predictions, labels, 3))).to.deep.equal([1, 1, 0, 0, 2, 0, 1, 0, 2]);
    expect(() => accuracy(predictions, labels.subarray(1))).to.throw('accuracy got 7 predictions for 6 labels');
    expect(() => confusionMatrix(Int32Array.from([3]), Int32Array.from([0]), 3)).to.throw('prediction 3');
  });

  it('checkLabelledFeatures names the split and field of bad input', () => {
    const good = fromRows([[1, 2], [3, 4]], [0, 1]);
    expect(() => checkLabelledFeatures('train', good, 2)).not.to.throw();
    expect(() => checkLabelledFeatures('train', { ...good, dim: 3 }, 2)).to.throw('train.x has 4 values but n × dim = 2 × 3 = 6');
    expect(() => checkLabelledFeatures('test', { ...good, y: Int32Array.from([0]) }, 2)).to.throw('test.y has 1 labels but test has n=2 rows');
    expect(() => checkLabelledFeatures('train', { ...good, y: Int32Array.from([0, 2]) }, 2)).to.throw('train.y[1] is 2, outside [0, 2)');
    expect(() => checkLabelledFeatures('train', { ...good, x: Float32Array.from([1, 2, NaN, 4]) }, 2)).to.throw(
      'train.x has a non-finite value (NaN) in row 1, column 0',
    );
    expect(() => checkLabelledFeatures('train', good, 1)).to.throw('numClasses is 1');
  });
});
