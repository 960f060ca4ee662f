/**
 * GELU, exact form 0.5·x·(1 + erf(x/√2)) as in PyTorch `nn.GELU()` (spec §1.1: the
 * FFN activation of every data2vec model). tfjs 4.22 has no GELU op; `erf` has a
 * gradient. On wasm the forward and the gradient are one fused kernel each
 * (`src/backend/row-kernels.ts`; erf to within 1.5·10⁻⁷, Abramowitz & Stegun 7.1.26).
 */
import * as tf from '@tensorflow/tfjs';
import { rowKernelsActive, runRowKernel } from '../backend/row-kernels';

const fusedGelu = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: runRowKernel('D2vGelu', { x })[0],
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runRowKernel('D2vGeluGrad', { x: saved[0], dy })[0],
  };
}) as (x: tf.Tensor) => tf.Tensor;

export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && rowKernelsActive()) return fusedGelu(x);
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}
