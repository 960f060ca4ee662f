/**
 * Position-wise feed-forward network fc1 → GELU → dropout → fc2 (spec §1.1; timm `Mlp`,
 * fairseq `fc1/fc2`). Returns the fc2 output before any residual: the data2vec
 * target activation (§3.1).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Linear } from './linear';
import { Dropout } from './dropout';
import { gelu } from './activations';
import { Init } from './init';
import { Rng } from '../util/rng';

export class FeedForward extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly actDrop: Dropout;

  constructor(dim: number, hidden: number, rng: Rng, options: { activationDropout?: number; init?: Init } = {}) {
    super();
    this.fc1 = this.addChild('fc1', new Linear(dim, hidden, rng, { init: options.init }));
    this.actDrop = this.addChild('act_drop', new Dropout(options.activationDropout ?? 0, rng.fork()));
    this.fc2 = this.addChild('fc2', new Linear(hidden, dim, rng, { init: options.init }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.fc2.forward(this.actDrop.forward(gelu(this.fc1.forward(x))));
  }
}
