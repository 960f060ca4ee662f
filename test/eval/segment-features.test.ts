/** Time-segment pooling (src/eval/segment-features.ts) against hand-computed segment means. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { segmentBounds, segmentPooledView } from '../../src/eval/segment-features';
import { allLayersView, splitLayerFeatures } from '../../src/eval/layer-features';
import { meanPooledFeatures } from '../../src/eval/pooled-features';

class Identity {
  forward(x: tf.Tensor): { out: tf.Tensor; layers: { out: tf.Tensor; ffn: tf.Tensor }[] } {
    return { out: x, layers: [{ out: tf.mul(x, 10), ffn: x }] };
  }
}

describe('eval/segment-features', () => {
  it('splits a length into near-equal consecutive segments, each at least one frame', () => {
    expect(segmentBounds(7, 3)).to.deep.equal([[0, 2], [2, 4], [4, 7]]);
    expect(segmentBounds(2, 3)).to.deep.equal([[0, 1], [0, 1], [1, 2]]);
    expect(() => segmentBounds(5, 0)).to.throw(/positive integer/);
  });

  it('mean pooling through the view gives each segment’s mean, channel-major, and composes with the layer view', async () => {
    // one clip, 5 frames, 2 channels: channel 0 = 0..4, channel 1 = 10·t
    const x = tf.tensor3d([[[0, 0], [1, 10], [2, 20], [3, 30], [4, 40]]]);
    const seg = await meanPooledFeatures(1, Int32Array.from([0]), 1, () => segmentPooledView(new Identity(), 2).forward(x).out);
    // segments [0, 2) and [2, 5): channel 0 → 0.5, 3; channel 1 → 5, 30
    expect(Array.from(seg.x)).to.deep.equal([0.5, 3, 5, 30]);
    const { view, parts } = allLayersView(new Identity());
    const both = await meanPooledFeatures(1, Int32Array.from([0]), 1, () => segmentPooledView(view, 2).forward(x).out);
    const [block, final] = splitLayerFeatures(both, parts());
    expect(Array.from(block.x)).to.deep.equal([5, 30, 50, 300]);
    expect(Array.from(final.x)).to.deep.equal([0.5, 3, 5, 30]);
    x.dispose();
  });

  it('refuses padded batches', () => {
    const padded = { forward: (t: tf.Tensor) => ({ out: t, padMask: tf.zeros([1, 2]) }) };
    const x = tf.zeros([1, 2, 2]);
    expect(() => segmentPooledView(padded, 2).forward(x)).to.throw(/unpadded/);
    x.dispose();
  });
});
