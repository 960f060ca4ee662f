/** Per-layer features (src/eval/layer-features.ts): one pass, split back per layer. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { allLayersView, pooledSpread, splitLayerFeatures, topLayersMeanView } from '../../src/eval/layer-features';
import { targetTopK } from '../../src/run/probe';
import { BaseRunConfig } from '../../src/modalities/recipe';
import { meanPooledFeatures } from '../../src/eval/pooled-features';

/** A stand-in encoder: block k's output is (k + 1) · x, the final output is −x; `scale` is read through the view. */
class FakeEncoder {
  readonly scale = 3;
  forward(x: tf.Tensor): { out: tf.Tensor; layers: { out: tf.Tensor; ffn: tf.Tensor }[] } {
    const layers = [1, 2].map((k) => ({ out: tf.mul(x, k), ffn: tf.zerosLike(x) }));
    return { out: tf.neg(x), layers };
  }
  outputLength(n: number): number {
    return n * this.scale;
  }
}

describe('eval/layer-features', () => {
  it('pools every block and the final output in one pass and splits them back in order', async () => {
    const { view, parts } = allLayersView(new FakeEncoder());
    expect(parts()).to.equal(0);
    expect(view.outputLength(2)).to.equal(6);
    const inputs = [tf.tensor3d([[[1, 2], [3, 4]]]), tf.tensor3d([[[0, 1], [2, 5]]])];
    const before = tf.memory().numTensors;
    const pooled = await meanPooledFeatures(2, Int32Array.from([0, 1]), 1, ([i]) => view.forward(inputs[i]).out);
    expect(tf.memory().numTensors).to.equal(before);
    expect(parts()).to.equal(3);
    expect(pooled.dim).to.equal(6);
    const [l1, l2, final] = splitLayerFeatures(pooled, parts());
    expect(Array.from(l1.x)).to.deep.equal([2, 3, 1, 3]);
    expect(Array.from(l2.x)).to.deep.equal([4, 6, 2, 6]);
    expect(Array.from(final.x)).to.deep.equal([-2, -3, -1, -3]);
    expect(final.dim).to.equal(2);
    expect(Array.from(final.y)).to.deep.equal([0, 1]);
    tf.dispose(inputs);
  });

  it('the top-K view reads the mean of the top K blocks\' outputs (not the final output), and refuses K above the depth', async () => {
    const x = tf.tensor3d([[[1, 2], [3, 4]]]);
    const top2 = topLayersMeanView(new FakeEncoder(), 2);
    expect(top2.outputLength(2)).to.equal(6);
    expect(Array.from(top2.forward(x).out.dataSync())).to.deep.equal([1.5, 3, 4.5, 6]);
    const top1 = topLayersMeanView(new FakeEncoder(), 1);
    expect(Array.from(top1.forward(x).out.dataSync())).to.deep.equal([2, 4, 6, 8]);
    expect(() => topLayersMeanView(new FakeEncoder(), 3).forward(x)).to.throw(/2 per-block outputs, fewer than the 3/);
    expect(() => topLayersMeanView(new FakeEncoder(), 0)).to.throw(/positive integer/);
    x.dispose();
  });

  it('K defaults to the run\'s targets (data2vec.targets.topK); a config without it is one clear error', () => {
    const config = { modality: 'text', algo: 'v1', data2vec: { targets: { topK: 3 } } } as unknown as BaseRunConfig;
    expect(targetTopK(config)).to.equal(3);
    expect(() => targetTopK({ modality: 'text', algo: 'v1' } as BaseRunConfig)).to.throw(/no data2vec.targets.topK/);
  });

  it('rejects a split that does not divide the width', () => {
    expect(() => splitLayerFeatures({ x: new Float32Array(6), y: Int32Array.from([0]), n: 1, dim: 6 }, 4)).to.throw(/6-d features into 4/);
  });

  it('spread is the mean over dimensions of the sample std (0 when every sample is the same)', () => {
    const f = { x: Float32Array.from([1, 5, 3, 5, 5, 5]), y: Int32Array.from([0, 0, 0]), n: 3, dim: 2 };
    expect(pooledSpread(f)).to.be.closeTo((2 + 0) / 2, 1e-9);
  });
});
