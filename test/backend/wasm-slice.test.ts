/** The in-place wasm Slice kernel gives exactly what the cpu backend gives, for any box. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import fc from 'fast-check';
import { withBackend } from '../helpers/backends';
import { countReadSync } from '../helpers/read-sync';
import { mergeWholeAxes } from '../../src/backend/wasm-slice';

describe('wasm Slice (in place)', () => {
  it('matches the cpu backend on random shapes and boxes, rank 1 to 5', async () => {
    const cases = fc.sample(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }).chain((shape) =>
        fc.tuple(fc.constant(shape), ...shape.map((n) => fc.integer({ min: 0, max: n - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: n - b }))))),
      ),
      { numRuns: 60, seed: 11 },
    ) as unknown as [number[], ...[number, number][]][];
    for (const [shape, ...boxes] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
      const begin = boxes.map(([b]) => b);
      const size = boxes.map(([, s]) => s);
      const want = await withBackend('cpu', () => Array.from(tf.tidy(() => tf.slice(tf.tensor(values, shape), begin, size)).dataSync()));
      const got = await withBackend('wasm', () => Array.from(tf.tidy(() => tf.slice(tf.tensor(values, shape), begin, size)).dataSync()));
      expect(got, `shape ${shape} begin ${begin} size ${size}`).to.deep.equal(want);
    }
  });

  it('reads its input in place: no copy of the input out of the wasm heap (readSync) while slicing', async () => {
    await withBackend('wasm', () => {
      const x = tf.tensor2d(Float32Array.from({ length: 64 * 32 }, (_, i) => i), [64, 32]);
      const { value: y, reads } = countReadSync(() => tf.slice(x, [10, 4], [3, 8]));
      expect(reads).to.equal(0);
      expect(Array.from(y.dataSync()).slice(0, 3)).to.deep.equal([324, 325, 326]);
      tf.dispose([x, y]);
    });
  });

  it('copies whole trailing axes as one run (dropping a CLS token: one copy per image)', () => {
    expect(mergeWholeAxes([64, 50, 64], [0, 1, 0], [64, 49, 64])).to.deep.equal([[64, 3200], [0, 64], [64, 3136]]);
    expect(mergeWholeAxes([2, 3, 4], [0, 0, 0], [2, 3, 4])).to.deep.equal([[24], [0], [24]]);
    expect(mergeWholeAxes([5, 6, 7], [1, 2, 3], [2, 3, 4])).to.deep.equal([[5, 6, 7], [1, 2, 3], [2, 3, 4]]);
    expect(mergeWholeAxes([5, 6, 7], [1, 2, 0], [2, 3, 7])).to.deep.equal([[5, 42], [1, 14], [2, 21]]);
  });

  it('keeps int32 values and the gradient of slice', async () => {
    await withBackend('wasm', () => {
      const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
      expect(Array.from(tf.slice(x, [0, 1], [2, 2]).dataSync())).to.deep.equal([2, 3, 5, 6]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.slice(a, [1, 0], [1, 2])))(tf.ones([2, 3]));
      expect(Array.from(g.dataSync())).to.deep.equal([0, 0, 0, 1, 1, 0]);
    });
  });
});
