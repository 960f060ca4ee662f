/**
 * Values and input gradients of a function on the wasm backend against the cpu
 * backend (tfjs's plain JavaScript kernels, the reference for the project's own
 * wasm kernels).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';

export type Inputs = { data: Float32Array; shape: number[] }[];

/** Values and input gradients of sum(w ⊙ f(inputs)) for a fixed random w. */
export function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs, weightSeed: string): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs.map(({ data, shape }) => tf.tensor(data, shape));
    const y = f(...xs);
    const w = tf.tensor(new Rng(weightSeed).normalArray(y.size), y.shape);
    const g = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), w)));
    return [y.dataSync() as Float32Array, ...g(xs).map((t) => t.dataSync() as Float32Array)];
  });
}

export async function onBoth(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const wasm = valueAndGrads(f, inputs, 'w');
  await tf.setBackend('cpu');
  try {
    return { wasm, cpu: valueAndGrads(f, inputs, 'w') };
  } finally {
    await tf.setBackend('wasm');
  }
}

export function expectClose(got: Float32Array[], want: Float32Array[], tol: number, label: string): void {
  expect(got.length).to.equal(want.length);
  got.forEach((g, i) => {
    expect(g.length, `${label} output ${i} size`).to.equal(want[i].length);
    let scale = 0;
    for (const v of want[i]) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < g.length; j++) {
      if (!(Math.abs(g[j] - want[i][j]) <= tol * (1 + scale))) {
        throw new Error(`${label}: output ${i} element ${j} is ${g[j]} on wasm, ${want[i][j]} on cpu`);
      }
    }
  });
}

export const random = (rng: Rng, shape: number[]) => ({ data: rng.normalArray(shape.reduce((p, d) => p * d, 1)), shape });

