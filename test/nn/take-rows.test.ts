/** takeRows (spec §2.5 gathers): rows and zero rows forward, scatter-add gradient, index checks. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { checkRowIndex, occurrenceIndices, takeRows } from '../../src/nn/take-rows';
import { hostRowIndex, rowIndexTensor } from '../../src/nn/gather-tokens';
import { TRAINING_BACKENDS, withBackend } from '../helpers/backends';

function close(a: Float32Array | number[], b: Float32Array | number[], tol = 1e-6): void {
  expect(a.length).to.equal(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `entry ${i}`).to.be.below(tol);
}

describe('takeRows (row copies with a scatter-add gradient)', () => {
  for (const backend of TRAINING_BACKENDS) {
    for (const width of [4, 3]) {
      it(`equals tf.gather with a zero row for −1 and its gradient on ${backend} (width ${width})`, async () => {
        await withBackend(backend, () => {
          const n = 5;
          const x = tf.tensor2d(Array.from({ length: n * width }, (_, i) => Math.sin(i + 1)), [n, width]);
          const index = Int32Array.from([3, -1, 0, 3, 4, 1, -1, 3]);
          const weights = tf.tensor2d(Array.from({ length: index.length * width }, (_, i) => Math.cos(i)), [index.length, width]);
          const out = takeRows(x, index);
          const padded = tf.concat([x, tf.zeros([1, width])], 0);
          const ref = tf.gather(padded, Int32Array.from(index, (s) => (s < 0 ? n : s)));
          close(out.dataSync() as Float32Array, ref.dataSync() as Float32Array);
          const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(takeRows(v, index), weights)))(x);
          // Row r of the gradient is the sum of the weight rows k with index[k] = r.
          const w = weights.arraySync() as number[][];
          const expected: number[] = [];
          for (let r = 0; r < n; r++) {
            for (let j = 0; j < width; j++) {
              let s = 0;
              index.forEach((src, k) => { if (src === r) s += w[k][j]; });
              expected.push(s);
            }
          }
          close(grad.dataSync() as Float32Array, expected, 1e-5);
          // Row 2 is never picked: its gradient is exactly zero.
          expect(Array.from(grad.slice([2, 0], [1, width]).dataSync())).to.deep.equal(new Array(width).fill(0));
          tf.dispose([x, weights, out, padded, ref, grad]);
        });
      });
    }
  }

  it('occurrenceIndices lists every use of every source row once (the device gradient as gathers)', () => {
    const index = Int32Array.from([3, -1, 0, 3, 4, 1, -1, 3, 0]);
    const n = 6;
    const lists = occurrenceIndices(index, n);
    expect(lists.length).to.equal(3); // row 3 is used three times
    for (let s = 0; s < n; s++) {
      const uses = lists.map((l) => l[s]).filter((k) => k !== index.length).sort((a, b) => a - b);
      const expected = Array.from(index.keys()).filter((k) => index[k] === s);
      expect(uses, `row ${s}`).to.deep.equal(expected);
    }
    expect(occurrenceIndices(Int32Array.from([-1, -1]), 3)).to.deep.equal([]);
  });

  it('rejects a non-matrix input and out-of-range indices with a message naming the entry', () => {
    expect(() => takeRows(tf.zeros([2, 2, 2]), Int32Array.from([0]))).to.throw(/\[rows, width\] matrix/);
    expect(() => checkRowIndex(Int32Array.from([0, 5]), 5, 'gatherTokens')).to.throw(/gatherTokens: index entry 1 is 5, but the matrix has rows 0\.\.4/);
    expect(() => checkRowIndex(Int32Array.from([-2]), 5)).to.throw(/index entry 0 is -2/);
    expect(() => checkRowIndex(Int32Array.from([-1, 0, 4]), 5)).to.not.throw();
  });

  it('index tensors made by rowIndexTensor hand their host values to the gathers without a read-back', () => {
    const values = Int32Array.from([2, 0, 1]);
    const t = rowIndexTensor(values);
    expect(hostRowIndex(t)).to.equal(values); // the same array: no dataSync copy
    const other = tf.tensor1d([2, 0, 1], 'int32');
    const read = hostRowIndex(other);
    expect(read).to.not.equal(values);
    expect(Array.from(read)).to.deep.equal([2, 0, 1]);
    expect(hostRowIndex(other)).to.equal(read); // read once, then remembered
    tf.dispose([t, other]);
  });
});
