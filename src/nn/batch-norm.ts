/**
 * Batch normalisation of [B, D] features without an affine transform, as the MAE /
 * data2vec 2.0 linear-probe head puts before its linear layer
 * (`torch.nn.BatchNorm1d(D, affine=False, eps=1e-6)`, MAE `main_linprobe.py`): in
 * train mode each feature is standardised with the batch's mean and (biased)
 * variance and the running statistics move towards them (momentum 0.1, the running
 * variance from the unbiased batch variance, as PyTorch does); in eval mode the
 * running statistics are used. The running statistics are fixed parameters, so they
 * travel with checkpoints.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';

export class BatchNorm1d extends Module {
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(readonly dim: number, readonly eps = 1e-6, readonly momentum = 0.1) {
    super();
    this.runningMean = this.addParam('running_mean', tf.zeros([dim]), { trainable: false, weightDecay: false });
    this.runningVar = this.addParam('running_var', tf.ones([dim]), { trainable: false, weightDecay: false });
  }

  /** x [B, D] → standardised [B, D]. */
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training) return tf.div(tf.sub(x, this.runningMean), tf.sqrt(tf.add(this.runningVar, this.eps)));
    const { mean, variance } = tf.moments(x, 0);
    const b = x.shape[0] as number;
    tf.tidy(() => {
      const unbiased = b > 1 ? tf.mul(variance, b / (b - 1)) : variance;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - this.momentum), tf.mul(mean, this.momentum)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - this.momentum), tf.mul(unbiased, this.momentum)));
    });
    return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps)));
  }
}
