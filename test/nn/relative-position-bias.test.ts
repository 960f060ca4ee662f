/**
 * The relative position bias (src/nn/relative-position-bias.ts) looks its rows
 * up like token embeddings: the same values and table gradient as `tf.gather`
 * bit for bit, without tfjs's `GatherV2` kernel on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { RelativePositionBias, relativePositionIndex } from '../../src/nn/relative-position-bias';

describe('RelativePositionBias lookup', () => {
  it('gives tf.gather\'s values and gradient exactly, without GatherV2 on wasm', async () => {
    const bias = new RelativePositionBias(7, 7, 4);
    const index = tf.tensor1d(relativePositionIndex(7, 7), 'int32');
    const weight = tf.cos(tf.range(0, 4 * 50 * 50).reshape([4, 50, 50]));
    try {
      tf.tidy(() => bias.table.assign(tf.sin(tf.range(0, bias.table.size).reshape(bias.table.shape))));
      const viaGather = (t: tf.Tensor) => tf.gather(t, index).reshape([50, 50, 4]).transpose([2, 0, 1]);
      const grad = (f: () => tf.Tensor) => tf.tidy(() => Array.from(Object.values(tf.variableGrads(() => tf.sum(tf.mul(f(), weight)) as tf.Scalar, [bias.table]).grads)[0].dataSync()));
      expect(tf.tidy(() => Array.from(bias.forward().dataSync()))).to.deep.equal(tf.tidy(() => Array.from(viaGather(bias.table).dataSync())));
      expect(grad(() => bias.forward())).to.deep.equal(grad(() => viaGather(bias.table)));
      if (tf.getBackend() === 'wasm') {
        const profile = await tf.profile(() => bias.forward());
        expect(profile.kernels.map((k) => k.name)).to.not.include('GatherV2');
      }
    } finally {
      tf.dispose([index, weight]);
      bias.dispose();
    }
  });
});
