/** The run-copying wasm Tile kernel gives exactly what the cpu backend gives, for any shape and repetitions. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import fc from 'fast-check';
import { withBackend } from '../helpers/backends';

describe('wasm Tile (whole runs)', () => {
  it('matches the cpu backend on random shapes and repetitions, rank 1 to 5', async () => {
    const cases = fc.sample(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 5 }),
      { numRuns: 80, seed: 13 },
    );
    for (const axes of cases) {
      const shape = axes.map(([n]) => n);
      const reps = axes.map(([, r]) => r);
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
      const want = await withBackend('cpu', () => Array.from(tf.tidy(() => tf.tile(tf.tensor(values, shape), reps)).dataSync()));
      const got = await withBackend('wasm', () => Array.from(tf.tidy(() => tf.tile(tf.tensor(values, shape), reps)).dataSync()));
      expect(got, `shape ${shape} reps ${reps}`).to.deep.equal(want);
    }
  });

  it('broadcasts a reduced gradient back ([64, 49, 1] → [64, 49, 64]) and keeps int32 and bool values', async () => {
    await withBackend('wasm', () => {
      const x = tf.tensor3d(Float32Array.from({ length: 64 * 49 }, (_, i) => i), [64, 49, 1]);
      const y = tf.broadcastTo(x, [64, 49, 64]);
      const v = y.dataSync();
      expect(y.shape).to.deep.equal([64, 49, 64]);
      expect([v[0], v[63], v[64], v[64 * 49 * 64 - 1]]).to.deep.equal([0, 0, 1, 64 * 49 - 1]);
      expect(Array.from(tf.tile(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), [2, 1]).dataSync())).to.deep.equal([1, 2, 3, 4, 1, 2, 3, 4]);
      const b = tf.tile(tf.tensor1d([true, false], 'bool'), [2]);
      expect(b.dtype).to.equal('bool');
      expect(Array.from(b.dataSync())).to.deep.equal([1, 0, 1, 0]);
      expect(tf.tile(tf.zeros([0, 3]), [2, 2]).shape).to.deep.equal([0, 6]);
      tf.dispose([x, y, b]);
    });
  });

  it('leaves no tensors behind and keeps the gradient of tile', async () => {
    await withBackend('wasm', () => {
      const x = tf.tensor2d([[1, 2, 3]], [1, 3]);
      const before = tf.memory().numTensors;
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.tile(a, [2, 2]), tf.range(0, 12).reshape([2, 6]))))(x);
      expect(Array.from(g.dataSync())).to.deep.equal([0 + 3 + 6 + 9, 1 + 4 + 7 + 10, 2 + 5 + 8 + 11]);
      g.dispose();
      expect(tf.memory().numTensors).to.equal(before);
      x.dispose();
    });
  });
});
