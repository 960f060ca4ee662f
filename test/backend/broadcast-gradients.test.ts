/**
 * Sum and Mean gradients that broadcast dy instead of multiplying it by a host-made
 * `tf.ones` (src/backend/broadcast-gradients.ts): the same values as the analytic
 * gradient over every axis choice, and no tensor of the input's size made from host
 * data during the backward pass (the upload that stalled a GPU).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { registerBroadcastGradients } from '../../src/backend/broadcast-gradients';

describe('broadcast Sum/Mean gradients', () => {
  before(() => registerBroadcastGradients());

  const shape = [3, 4, 5];
  const x = () => tf.tensor(Array.from({ length: 60 }, (_, i) => Math.sin(i)), shape);
  const cases: [string, number | number[] | undefined][] = [['all', undefined], ['last', -1], ['first', 0], ['0 and 2', [0, 2]], ['none', []]];

  for (const [name, axis] of cases) {
    it(`axes ${name}: d/dx Σ w·reduce(x) equals w broadcast (Sum) and w / n (Mean)`, async () => {
      const input = x();
      const reducedShape = tf.sum(input, axis).shape;
      const w = tf.tensor(Array.from({ length: reducedShape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1), reducedShape);
      const axes = axis === undefined ? [0, 1, 2] : typeof axis === 'number' ? [(axis + 3) % 3] : axis;
      const n = axes.reduce((p, a) => p * shape[a], 1);
      const expected = tf.broadcastTo(tf.reshape(w, shape.map((d, i) => (axes.includes(i) ? 1 : d))), shape);
      const gSum = await tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, axis), w)))(input).data();
      const gMean = await tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, axis), w)))(input).data();
      const e = await expected.data();
      Array.from(e).forEach((v, i) => {
        expect(gSum[i]).to.equal(v);
        expect(gMean[i]).to.be.closeTo(v / n, 1e-6);
      });
      tf.dispose([input, w, expected]);
    });
  }

  it('the backward pass makes no host tensor of the input size', () => {
    const engine = tf.engine() as unknown as { makeTensor: (...a: unknown[]) => tf.Tensor };
    const original = engine.makeTensor;
    const sizes: number[] = [];
    const input = tf.randomNormal([64, 50, 32]);
    engine.makeTensor = function (this: unknown, ...a: unknown[]) {
      sizes.push((a[0] as ArrayLike<number> | undefined)?.length ?? 0);
      return original.apply(this, a);
    };
    try {
      const g = tf.grad((t: tf.Tensor) => tf.add(tf.sum(tf.mean(t, -1)), tf.sum(tf.sum(t, [0, 1]))))(input);
      g.dispose();
    } finally {
      engine.makeTensor = original;
    }
    input.dispose();
    expect(Math.max(0, ...sizes), `host tensors of sizes ${sizes}`).to.be.below(64 * 50 * 32);
  });
});
