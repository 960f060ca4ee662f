/**
 * The in-place wasm SplitV kernel (src/backend/wasm-split.ts) gives exactly what
 * the cpu backend gives for any shape, axis and split sizes; reads its input
 * in place, in one run per image and piece; is the gradient of a concat; keeps int32 and bool values and
 * empty pieces; leaves no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import fc from 'fast-check';
import { withBackend } from '../helpers/backends';
import { countReadSync } from '../helpers/read-sync';

describe('wasm SplitV (in place)', () => {
  it('matches the cpu backend on random shapes, axes and split sizes, rank 1 to 4', async () => {
    const cases = fc.sample(
      fc.tuple(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 4 })),
      { numRuns: 80, seed: 17 },
    );
    for (const [shape0, axisSeed, parts] of cases) {
      const axis = axisSeed % shape0.length;
      const shape = shape0.slice();
      shape[axis] = parts.reduce((a, b) => a + b, 0); // pieces of these sizes (0 allowed) along the axis
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: n }, (_, i) => i * 0.25 - 7);
      const split = () => tf.tidy(() => tf.split(tf.tensor(values, shape), parts, axis).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) })));
      const want = await withBackend('cpu', split);
      const got = await withBackend('wasm', split);
      expect(got, `shape ${shape} axis ${axis} sizes ${parts}`).to.deep.equal(want);
    }
  });

  it('is the gradient of the CLS concat ([64, 1, 64] + [64, 49, 64]) in one kernel, and keeps int32, bool and empty pieces', async () => {
    await withBackend('wasm', async () => {
      const cls = tf.randomNormal([64, 1, 64]);
      const patches = tf.randomNormal([64, 49, 64]);
      const weight = tf.randomNormal([64, 50, 64]);
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.concat([a, b], 1), weight));
      const profile = await tf.profile(() => tf.grads(f)([cls, patches]));
      const names = profile.kernels.map((k) => k.name);
      expect(names).to.include('SplitV').and.not.include('Slice');
      const [dCls, dPatches] = tf.grads(f)([cls, patches]);
      const w = weight.arraySync() as number[][][];
      expect((dCls.arraySync() as number[][][])[5][0]).to.deep.equal(w[5][0]);
      expect((dPatches.arraySync() as number[][][])[63][48]).to.deep.equal(w[63][49]);
      const [i1, i2] = tf.split(tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32'), [1, 2], 1);
      expect([i1.dtype, Array.from(i1.dataSync()), Array.from(i2.dataSync())]).to.deep.equal(['int32', [1, 4], [2, 3, 5, 6]]);
      const [b1] = tf.split(tf.tensor1d([true, false, true], 'bool'), [2, 1]);
      expect([b1.dtype, Array.from(b1.dataSync())]).to.deep.equal(['bool', [1, 0]]);
      const pieces = tf.split(tf.ones([2, 3]), [0, 3], 1);
      expect(pieces.map((p) => p.shape)).to.deep.equal([[2, 0], [2, 3]]);
      tf.dispose([cls, patches, weight, dCls, dPatches, i1, i2, b1, ...pieces]);
    });
  });

  it('reads its input in place: no copy of the input out of the wasm heap (readSync), one run per image and piece', async () => {
    await withBackend('wasm', () => {
      const x = tf.tensor3d(Float32Array.from({ length: 64 * 50 * 64 }, (_, i) => i), [64, 50, 64]);
      const set = Float32Array.prototype.set;
      let copies = 0;
      Float32Array.prototype.set = function (this: Float32Array, ...a: Parameters<Float32Array['set']>) {
        copies++;
        return set.apply(this, a);
      };
      let split: { value: tf.Tensor[]; reads: number };
      try {
        split = countReadSync(() => tf.split(x, [1, 49], 1));
      } finally {
        Float32Array.prototype.set = set;
      }
      const { value: pieces, reads } = split;
      expect(reads).to.equal(0);
      expect(copies, 'one copy per image and piece').to.equal(2 * 64);
      expect(Array.from(pieces[1].dataSync().slice(0, 2))).to.deep.equal([64, 65]);
      tf.dispose([x, ...pieces]);
    });
  });

  it('leaves no tensors behind', async () => {
    await withBackend('wasm', () => {
      const x = tf.randomNormal([4, 6, 5]);
      tf.split(x, [2, 4], 1).forEach((t) => t.dispose());
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) tf.split(x, 3, 1).forEach((t) => t.dispose());
      expect(tf.memory().numTensors).to.equal(before);
      x.dispose();
    });
  });
});
