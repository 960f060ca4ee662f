/** The between-group share of feature variance (src/eval/explained-share.ts). */
import { expect } from 'chai';
import { explainedShare, predictedShare } from '../../src/eval/explained-share';
import { Rng } from '../../src/util/rng';

describe('eval/explained-share', () => {
  it('is 1 − within/total per dimension, averaged over dimensions (a hand-worked case)', () => {
    // dim 0: [0, 2 | 10, 12] → mean 6, total 36+16+16+36 = 104, within 1+1+1+1 = 4 → 100/104
    // dim 1: [5, 5 | 5, 5] has no spread → counts as 0
    const x = [0, 5, 2, 5, 10, 5, 12, 5];
    expect(explainedShare(x, 2, [0, 0, 1, 1])).to.be.closeTo((1 - 4 / 104) / 2, 1e-12);
    // one group: nothing between groups
    expect(explainedShare(x, 2, [3, 3, 3, 3])).to.equal(0);
  });

  it('leaves out rows whose group is too small to estimate its mean', () => {
    // row 4 is alone in group 9; with it, it would be explained perfectly and raise the share
    const x = [0, 2, 10, 12, 100];
    expect(explainedShare(x, 1, [0, 0, 1, 1, 9])).to.be.closeTo(1 - 4 / 104, 1e-12);
    expect(explainedShare(x, 1, [0, 0, 1, 1, 9], { minGroupSize: 1 })).to.be.above(0.999);
  });

  it('separates features that code the group from features that ignore it', () => {
    const rng = new Rng('explained-share');
    const n = 2000;
    const dim = 8;
    const groups = Array.from({ length: n }, (_, i) => i % 10);
    const coded: number[] = [];
    const ignoring: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++) {
        coded.push(Math.sin(groups[i] * (j + 1)) + 0.05 * (rng.next() - 0.5));
        ignoring.push(rng.next());
      }
    }
    expect(explainedShare(coded, dim, groups)).to.be.above(0.99);
    // 10 groups of 200 random rows: expected share (G − 1)/(n − 1) ≈ 0.0045
    expect(explainedShare(ignoring, dim, groups)).to.be.below(0.02);
  });

  it('predictedShare is 1 − residual/total per dimension, averaged; the mean predictor scores 0, a worse one below 0', () => {
    // dim 0: y [0, 2, 4], p [1, 2, 3] → total 8, residual 2 → 0.75; dim 1: y [1, 1, 1] no spread → 0
    expect(predictedShare([0, 1, 2, 1, 4, 1], [1, 0, 2, 0, 3, 0], 2)).to.be.closeTo(0.75 / 2, 1e-12);
    expect(predictedShare([0, 2, 4], [2, 2, 2], 1)).to.equal(0);
    expect(predictedShare([0, 2, 4], [4, 2, 0], 1)).to.be.closeTo(1 - 32 / 8, 1e-12);
    expect(() => predictedShare([0, 1], [0], 1)).to.throw('predictedShare needs targets and predictions of the same [n, 1] shape, got 2 and 1 values.');
  });

  it('refuses features that do not match the rows', () => {
    expect(() => explainedShare([1, 2, 3], 2, [0, 1])).to.throw('explainedShare needs 2 rows of 2 values (one group per row), got 3 values.');
  });
});
