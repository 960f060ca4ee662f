/**
 * GELU, exact form 0.5·x·(1 + erf(x/√2)) as in PyTorch `nn.GELU()` (spec §1.1: the
 * FFN activation of every data2vec model). tfjs 4.22 has no GELU op; `erf` has a gradient.
 */
import * as tf from '@tensorflow/tfjs';

export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}
