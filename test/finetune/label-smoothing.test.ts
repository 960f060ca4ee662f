/**
 * Label smoothing and soft-target cross-entropy against hand-computed values.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { smoothedTargets, softTargetCrossEntropy } from '../../src/finetune/label-smoothing';

describe('label smoothing', () => {
  it('puts 1 − ε + ε/K on the label and ε/K elsewhere', () => {
    const t = smoothedTargets([2, 0], 4, 0.2);
    expect(Array.from(t.dataSync())).to.deep.equal([0.05, 0.05, 0.85, 0.05, 0.85, 0.05, 0.05, 0.05].map(Math.fround));
    expect(() => smoothedTargets([4], 4, 0.1)).to.throw('label 4 at row 0 is outside [0, 4).');
    expect(() => smoothedTargets([0], 4, 1)).to.throw('labelSmoothing must be in [0, 1)');
    t.dispose();
  });

  it('gives the hand-computed cross-entropy', () => {
    // Row 1: logits [1, 2, 3], label 2, ε 0.1, K 3: log-softmax = [−2.40761, −1.40761, −0.40761],
    // targets [1/30, 1/30, 0.93333]: loss = (2.40761 + 1.40761)/30 + 0.93333·0.40761 = 0.507606.
    // Row 2: logits [0.5, −1, 0], label 0: 0.670797. Mean 0.589202.
    const logits = tf.tensor2d([[1, 2, 3], [0.5, -1, 0]]);
    const targets = smoothedTargets([2, 0], 3, 0.1);
    expect(softTargetCrossEntropy(logits, targets).dataSync()[0]).to.be.closeTo(0.5892016, 1e-5);
    // Without smoothing it is the plain cross-entropy: −log softmax(z)_y.
    const hard = smoothedTargets([2, 0], 3, 0);
    expect(softTargetCrossEntropy(logits.slice([0, 0], [1, 3]), hard.slice([0, 0], [1, 3])).dataSync()[0]).to.be.closeTo(0.4076059, 1e-5);
    tf.dispose([logits, targets, hard]);
  });
});
