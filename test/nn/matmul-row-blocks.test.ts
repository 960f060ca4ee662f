/**
 * matMulByRowBlocks (matrix products past WebGPU's dispatch rows, src/nn/matmul-row-blocks.ts)
 * on the host backends with a small block size: the product and both gradients equal one
 * `tf.matMul`, for 2-D and batched operands and a transposed b. The size that needs it on
 * webgpu is tested on the adapter in test/backend/webgpu.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { matMulByRowBlocks, rowBlocks, MAX_WEBGPU_MATMUL_ROWS } from '../../src/nn/matmul-row-blocks';
import { TRAINING_BACKENDS, withBackend } from '../helpers/backends';

const wave = (shape: number[], phase: number) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.7 + phase)), shape);

describe('matMulByRowBlocks (products with more rows than one WebGPU dispatch)', () => {
  it('cuts rows into as few, near-equal blocks as the limit allows, covering every row once', () => {
    expect(rowBlocks(10, 4)).to.deep.equal([[0, 4], [4, 4], [8, 2]]);
    expect(rowBlocks(8, 4)).to.deep.equal([[0, 4], [4, 4]]);
    expect(rowBlocks(9, 4)).to.deep.equal([[0, 3], [3, 3], [6, 3]]);
    expect(rowBlocks(3, 4)).to.deep.equal([[0, 3]]);
    expect(MAX_WEBGPU_MATMUL_ROWS).to.equal(2_097_120);
  });

  for (const backend of TRAINING_BACKENDS) {
    const cases: [string, number[], number[], boolean][] = [
      ['[10, 3]·[3, 5]', [10, 3], [3, 5], false],
      ['[10, 3]·[5, 3]ᵀ', [10, 3], [5, 3], true],
      ['[2, 9, 3]·[2, 3, 4]', [2, 9, 3], [2, 3, 4], false],
    ];
    for (const [name, aShape, bShape, transposeB] of cases) {
      it(`${name} in blocks of 4 rows: the product and both gradients equal tf.matMul on ${backend}`, async () => {
        await withBackend(backend, async () => {
          const a = wave(aShape, 1);
          const b = wave(bShape, 2);
          const f = (mm: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => {
            const y = mm(a, b);
            const dy = wave(y.shape, 3);
            const [da, db] = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(mm(x, z), dy)))([a, b]);
            return Promise.all([y, da, db].map((t) => t.data() as Promise<Float32Array>));
          };
          const blocked = await f((x, z) => matMulByRowBlocks(x, z, transposeB, 4));
          const whole = await f((x, z) => tf.matMul(x, z, false, transposeB));
          whole.forEach((ref, i) => {
            expect(blocked[i].length).to.equal(ref.length);
            ref.forEach((v, j) => expect(blocked[i][j], `output ${i} entry ${j}`).to.be.closeTo(v, 1e-5));
          });
        });
      });
    }
  }
});
