/**
 * Learned mask embedding for data2vec 1.0 (spec §2.5, trap 8): masked positions
 * take the learned vector, blended as x·(1−m) + token·m (HF Data2VecVision).
 * Vision initialises it truncated-normal 0.02; audio's `mask_emb` is U[0,1).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Init, initTensor } from './init';
import { Rng } from '../util/rng';

export class MaskToken extends Module {
  readonly token: tf.Variable;

  constructor(readonly dim: number, rng: Rng, init: Init = { kind: 'truncNormal', std: 0.02 }, name = 'mask_token') {
    super();
    this.token = this.addParam(name, initTensor([dim], init, rng), { weightDecay: false });
  }

  /** x [B, T, D], mask [B, T] with 1 at masked positions → x with the token at masked positions. */
  forward(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    const m = mask.expandDims(-1);
    return tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(this.token, m));
  }
}
