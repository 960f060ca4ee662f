/**
 * The gradient of `tf.tile` as one reduction (src/backend/tile-gradient.ts):
 * equal to the sum of dy over the repetitions, computed here in float64, for
 * ranks 1 to 4 with repeated and unrepeated axes; and one `Sum` kernel instead
 * of a slice and an add per repetition.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';

/** Σ over repetitions of w (shape x.shape·reps), in float64. */
function reference(w: Float32Array, shape: number[], reps: number[]): Float64Array {
  const outShape = shape.map((s, i) => s * reps[i]);
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < w.length; flat++) {
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
    }
    let target = 0;
    for (let d = 0; d < shape.length; d++) target = target * shape[d] + (index[d] % shape[d]);
    out[target] += w[flat];
  }
  return out;
}

describe('tile gradient', () => {
  const cases: [number[], number[]][] = [
    [[5], [3]],
    [[2, 3], [3, 2]],
    [[1, 1, 8], [64, 1, 1]],
    [[2, 1, 3], [1, 4, 1]],
    [[2, 3, 1, 2], [2, 1, 3, 2]],
    [[3, 2], [1, 1]],
  ];
  for (const [shape, reps] of cases) {
    it(`is the sum over repetitions for x [${shape}] tiled [${reps}]`, () => {
      const rng = new Rng(`tile-${shape}-${reps}`);
      const x = tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape);
      const outShape = shape.map((s, i) => s * reps[i]);
      const w = rng.normalArray(outShape.reduce((a, b) => a * b, 1));
      const wt = tf.tensor(w, outShape);
      const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, reps), wt)))([x]);
      const want = reference(w, shape, reps);
      const got = g.dataSync();
      expect(g.shape).to.deep.equal(shape);
      got.forEach((v, i) => expect(Math.abs(v - want[i]), `element ${i}`).to.be.below(1e-5 * (1 + Math.abs(want[i]))));
      tf.dispose([x, wt, g]);
    });
  }

  it('runs one Sum, no slice per repetition', async () => {
    const x = tf.ones([1, 1, 8]);
    const profile = await tf.profile(() => {
      const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.tile(t, [64, 1, 1])))([x]);
      return g;
    });
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'Slice')).to.have.length(0);
    expect(names.filter((n) => n === 'Sum').length).to.be.at.most(2);
    x.dispose();
  });
});
