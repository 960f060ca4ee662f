/**
 * Model FLOPs of an update (src/run/flops.ts) against hand counts: a two-layer
 * product with one trained weight, and a ViT forward pass of the image v1 micro model.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { countFlops, kernelFlops } from '../../src/run/flops';
import { imageV1Recipe } from '../../src/modalities/image/recipe-v1';
import { ImageEncoderV1 } from '../../src/modalities/image/encoder-v1';
import { imageData, microImageConfig } from '../helpers/tiny-image';

describe('run/flops: model FLOPs from the kernels an update runs', () => {
  it('counts matrix products and convolutions by their shapes, and nothing else', () => {
    expect(kernelFlops('BatchMatMul', [[3, 5, 7], [3, 7, 2]], [[3, 5, 2]])).to.equal(2 * 3 * 5 * 2 * 7);
    // a transposed operand: a is [K, M] = [7, 5]
    expect(kernelFlops('BatchMatMul', [[7, 5], [7, 2]], [[5, 2]])).to.equal(2 * 5 * 2 * 7);
    expect(kernelFlops('Conv2D', [[2, 8, 8, 3], [3, 3, 3, 4]], [[2, 6, 6, 4]])).to.equal(2 * 2 * 6 * 6 * 4 * 3 * 3 * 3);
    expect(kernelFlops('Conv2DBackpropFilter', [[2, 8, 8, 3], [2, 6, 6, 4]], [[3, 3, 3, 4]])).to.equal(2 * 2 * 6 * 6 * 4 * 3 * 3 * 3);
    expect(kernelFlops('Conv2DBackpropInput', [[2, 6, 6, 4], [3, 3, 3, 4]], [[2, 8, 8, 3]])).to.equal(2 * 2 * 6 * 6 * 4 * 3 * 3 * 3);
    // attention's per-head products, 3 heads of 4 on [2, 5, 12] and [2, 7, 12]: logits q·kᵀ (K = 4) and context p·v (K = 7)
    expect(kernelFlops('D2vHeadMatMul', [[2, 5, 12], [2, 7, 12]], [[2, 3, 5, 7]])).to.equal(2 * 2 * 3 * 5 * 7 * 4);
    expect(kernelFlops('D2vHeadMatMul', [[2, 3, 5, 7], [2, 7, 12]], [[2, 5, 12]])).to.equal(2 * 2 * 5 * 12 * 7);
    // dk = pᵀ·q (a transposed per head: K = 5 tokens) and dp = dc·vᵀ (K = 4)
    expect(kernelFlops('D2vHeadMatMul', [[2, 3, 5, 7], [2, 5, 12]], [[2, 7, 12]])).to.equal(2 * 2 * 7 * 12 * 5);
    expect(kernelFlops('D2vHeadMatMul', [[2, 5, 12], [2, 7, 12]], [[2, 3, 5, 7]])).to.equal(2 * 2 * 3 * 5 * 7 * 4);
    expect(kernelFlops('Add', [[4, 4], [4, 4]], [[4, 4]])).to.equal(0);
  });

  it('a forward and backward pass: the products run, with only the gradients the weight needs', async () => {
    const x = tf.randomNormal([16, 16]);
    const b = tf.randomNormal([16, 4]);
    const w = tf.variable(tf.randomNormal([4, 3]));
    const { flops, byKernel } = await countFlops(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.matMul(tf.matMul(x, b), w)), [w]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    // forward: [16,16]·[16,4] and [16,4]·[4,3]; backward: dW = (x·b)ᵀ·dy, [4,16]·[16,3] (no gradient for the constant x·b)
    const hand = 2 * 16 * 16 * 4 + 2 * 16 * 4 * 3 + 2 * 4 * 3 * 16;
    expect(flops).to.equal(hand);
    expect(byKernel).to.deep.equal({ BatchMatMul: hand });
    tf.dispose([x, b, w]);
  });

  it('the image v1 micro encoder forward pass: the ViT hand count', async () => {
    const config = microImageConfig();
    const setup = imageV1Recipe.build(config, imageData());
    const enc = setup.encoder as ImageEncoderV1;
    const { imageSize, patchSize, channels, dim, depth, mlpRatio } = config.model;
    const batch = 3;
    const images = tf.randomNormal([batch, imageSize[0], imageSize[1], channels]);
    const { flops } = await countFlops(() => tf.dispose(enc.forward(images) as unknown as tf.TensorContainer));
    const patches = (imageSize[0] / patchSize) * (imageSize[1] / patchSize);
    const n = patches + 1; // with the CLS token
    const patchEmbed = 2 * batch * patches * patchSize * patchSize * channels * dim;
    const perBlock =
      2 * batch * n * dim * 3 * dim + // q, k, v
      2 * 2 * batch * n * n * dim + // q·kᵀ and attention·v over all heads
      2 * batch * n * dim * dim + // output projection
      2 * 2 * batch * n * dim * mlpRatio * dim; // the two MLP layers
    expect(flops).to.equal(patchEmbed + depth * perBlock);
    images.dispose();
    setup.objective.dispose();
  });
});
