/**
 * GELU, exact form 0.5·x·(1 + erf(x/√2)) as in PyTorch `nn.GELU()` (spec §1.1: the
 * FFN activation of every data2vec model). tfjs 4.22 has no GELU op; `erf` has a
 * gradient. On wasm the forward and the gradient are one fused kernel each
 * (`src/backend/row-kernels.ts`; erf to within 1.5·10⁻⁷, Abramowitz & Stegun 7.1.26).
 * When a gradient is being recorded, the wasm forward also writes GELU'(x) from
 * the same evaluation of Φ and φ and saves it instead of x, so the backward
 * pass is one multiply dy·GELU'(x) instead of evaluating erf and exp again
 * (the same float32 values as the gradient kernel's).
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

const fusedGeluSavingDerivative = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const [y, d] = runRowKernel('D2vGeluWithDerivative', { x });
  save([d]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]),
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** Whether a gradient is being recorded (inside `tf.grad`, `tf.variableGrads`, …). */
function recordingGradient(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && rowKernelsActive()) {
    return tf.getBackend() === 'wasm' && recordingGradient() ? fusedGeluSavingDerivative(x) : fusedGelu(x);
  }
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}
