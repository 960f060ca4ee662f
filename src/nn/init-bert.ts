/**
 * `init_bert_params` for the data2vec 2.0 speech and text blocks (spec §1.2, §1.4 "v2";
 * fairseq `Data2VecMultiModel.__init__`: without `mae_init`, which only the image
 * configs set, the model applies `init_bert_params`, i.e. N(0, 0.02) on every Linear
 * weight and zero biases; the modality encoders then reset their own pieces). The
 * shared v2 block builder draws xavier-uniform weights (the image recipe's
 * `mae_init: true`), so the speech and text backbones redraw their block linears here.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Linear } from './linear';
import { initTensor } from './init';
import { Rng } from '../util/rng';

/** Redraws every Linear inside `module`: weight ~ N(0, std), bias 0. Returns how many were redrawn. */
export function initBertLinears(module: Module, rng: Rng, std = 0.02): number {
  let n = 0;
  for (const [, m] of module.namedModules()) {
    if (!(m instanceof Linear)) continue;
    tf.tidy(() => {
      m.weight.assign(initTensor(m.weight.shape, { kind: 'normal', std }, rng));
      if (m.bias) m.bias.assign(tf.zerosLike(m.bias));
    });
    n++;
  }
  return n;
}
