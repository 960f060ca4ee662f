/**
 * Softmax over the last axis (spec §1: the attention probabilities). On wasm
 * the gradient dx = y·(dy − Σ dy·y) is one fused kernel
 * (`src/backend/row-kernels.ts`) instead of tfjs's four; the forward is tfjs's.
 */
import * as tf from '@tensorflow/tfjs';
import { rowKernelsActive, runRowKernel } from '../backend/row-kernels';

const fusedSoftmax = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const y = tf.softmax(x, -1);
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runRowKernel('D2vSoftmaxGrad', { y: saved[0], dy })[0],
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** Softmax over the last axis, with its gradient. */
export function softmaxLastAxis(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' && rowKernelsActive() ? fusedSoftmax(x) : tf.softmax(x, -1);
}
