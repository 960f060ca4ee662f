/**
 * Layer normalisation over the last axis, with or without an affine transform
 * (spec §1; parameter-free layer norm is used for data2vec targets, §3.2, and in the
 * v2 decoders and audio positional encoder, §1.2, §5.3).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';

/** Parameter-free layer norm over the last axis: (x − mean) / sqrt(var + eps). */
export function layerNorm(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  });
}

export interface LayerNormOptions {
  /** Learn a scale and shift (`weight`, `bias`); default true. */
  affine?: boolean;
  eps?: number;
}

export class LayerNorm extends Module {
  readonly eps: number;
  readonly weight: tf.Variable | undefined;
  readonly bias: tf.Variable | undefined;

  constructor(readonly dim: number, options: LayerNormOptions = {}) {
    super();
    this.eps = options.eps ?? 1e-5;
    if (options.affine ?? true) {
      this.weight = this.addParam('weight', tf.ones([dim]));
      this.bias = this.addParam('bias', tf.zeros([dim]));
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    const y = layerNorm(x, this.eps);
    if (!this.weight || !this.bias) return y;
    return tf.add(tf.mul(y, this.weight), this.bias);
  }
}
