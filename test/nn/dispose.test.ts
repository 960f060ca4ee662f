/** Building and disposing models and optimizers frees every tensor they made (spec §8: "no tensor leak"). */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { AdamW } from '../../src/train/adamw';
import { imageV1Recipe } from '../../src/modalities/image/recipe-v1';
import { imageV2Recipe } from '../../src/modalities/image/recipe-v2';
import { ImageEncoderV1 } from '../../src/modalities/image/encoder-v1';
import { imageBackboneV2 } from '../../src/modalities/image/encoder-v2';
import { RelativePositionBias } from '../../src/nn/relative-position-bias';

function leftOver(make: () => { dispose(): void }): number {
  const before = tf.memory().numTensors;
  make().dispose();
  return tf.memory().numTensors - before;
}

describe('dispose frees everything', () => {
  it('a relative position bias (its index tensor too), and the encoders that hold one or fixed positions', () => {
    expect(leftOver(() => new RelativePositionBias(7, 7, 4))).to.equal(0);
    expect(leftOver(() => new ImageEncoderV1(imageV1Recipe.config('tiny').model, new Rng(0)))).to.equal(0);
    expect(leftOver(() => imageBackboneV2(imageV2Recipe.config('tiny').model, new Rng(0)))).to.equal(0);
  });

  it('AdamW: its moment buffers, and nothing else remains', () => {
    const encoder = new ImageEncoderV1(imageV1Recipe.config('tiny').model, new Rng(0));
    const params = encoder.namedTrainableParameters();
    expect(leftOver(() => new AdamW(params, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 }, () => false))).to.equal(0);
    encoder.dispose();
  });
});
