/**
 * The student's regression head (spec §5.1): one Linear(D, D) (`final_proj` for
 * speech, `lm_head` for vision) or two layers Linear(D, 2D) → GELU → Linear(2D, D)
 * (text `regression_head`, `head_layers: 2`).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Linear } from './linear';
import { gelu } from './activations';
import { Rng } from '../util/rng';

export class RegressionHead extends Module {
  private readonly layers: Linear[];

  constructor(readonly dim: number, readonly depth: 1 | 2, rng: Rng, outDim = dim) {
    super();
    this.layers = depth === 1
      ? [this.addChild('0', new Linear(dim, outDim, rng))]
      : [this.addChild('0', new Linear(dim, 2 * dim, rng)), this.addChild('2', new Linear(2 * dim, outDim, rng))];
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (this.layers.length === 1) return this.layers[0].forward(x);
    return this.layers[1].forward(gelu(this.layers[0].forward(x)));
  }
}
