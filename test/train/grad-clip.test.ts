/**
 * Global-norm gradient clipping (spec §6, fairseq `clip_grad_norm_`): the norm
 * is exact, clipped gradients have norm maxNorm and keep their direction,
 * nothing changes below the threshold or with maxNorm 0, and non-finite norms
 * are reported without scaling.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { clipGradNorm, globalGradNorm } from '../../src/train/grad-clip';
import { Rng } from '../../src/util/rng';

const grads345 = () => new Map<string, tf.Tensor>([['a', tf.tensor1d([3, 4])], ['b', tf.tensor2d([[12]])]]);

/** The values of a tensor, awaited. */
const read = async (t: tf.Tensor) => Array.from(await t.data());

describe('train/grad-clip: clipGradNorm', () => {
  it('computes the global L2 norm over all gradients (3-4-12 → 13, and random tensors against float64)', async () => {
    const g = grads345();
    expect(await globalGradNorm(g)).to.equal(13);
    tf.dispose([...g.values()]);

    const rng = new Rng(11);
    const arrays = [rng.normalArray(300, 2), rng.normalArray(17, 0.1), rng.normalArray(64, 5)];
    const many = new Map(arrays.map((a, i) => [`p${i}`, tf.tensor1d(a)] as [string, tf.Tensor]));
    const exact = Math.sqrt(arrays.reduce((s, a) => a.reduce((t, x) => t + x * x, s), 0));
    expect(Math.abs((await globalGradNorm(many)) - exact) / exact).to.be.below(1e-6);
    tf.dispose([...many.values()]);
    expect(await globalGradNorm(new Map())).to.equal(0);
  });

  it('scales every gradient by maxNorm/(norm + 1e-6) when the norm exceeds maxNorm', async () => {
    const g = grads345();
    const { grads, norm } = clipGradNorm(g, 6.5);
    expect(await read(norm)).to.deep.equal([13]);
    const scale = 6.5 / (13 + 1e-6);
    const a = await read(grads.get('a')!);
    const b = await read(grads.get('b')!);
    [3 * scale, 4 * scale].forEach((v, i) => expect(Math.abs(a[i] - v)).to.be.below(1e-6));
    expect(Math.abs(b[0] - 12 * scale)).to.be.below(1e-6);
    expect(Math.abs((await globalGradNorm(grads)) - 6.5)).to.be.below(1e-5);
    expect(grads.get('b')!.shape).to.deep.equal([1, 1]);
    // The inputs are untouched.
    expect(await read(g.get('a')!)).to.deep.equal([3, 4]);
    tf.dispose([...g.values(), ...grads.values(), norm]);
  });

  it('is a no-op below the threshold and with maxNorm 0, returning new handles the caller owns', async () => {
    for (const maxNorm of [13.5, 0]) {
      const g = grads345();
      const before = tf.memory().numTensors;
      const { grads, norm } = clipGradNorm(g, maxNorm);
      expect(tf.memory().numTensors).to.equal(before + 3); // two gradients and the norm
      expect(await read(norm)).to.deep.equal([13]);
      expect(grads.get('a')).to.not.equal(g.get('a'));
      expect(await read(grads.get('a')!)).to.deep.equal([3, 4]);
      expect(await read(grads.get('b')!)).to.deep.equal([12]);
      tf.dispose([...grads.values(), norm]);
      expect(await read(g.get('a')!)).to.deep.equal([3, 4]);
      expect(await read(g.get('b')!)).to.deep.equal([12]);
      tf.dispose([...g.values()]);
    }
  });

  it('reports a non-finite norm and leaves such gradients unscaled', async () => {
    const g = new Map<string, tf.Tensor>([['a', tf.tensor1d([1, NaN])], ['b', tf.tensor1d([100])]]);
    const { grads, norm } = clipGradNorm(g, 1);
    expect((await read(norm))[0]).to.be.NaN;
    expect((await read(grads.get('b')!))[0]).to.equal(100);
    tf.dispose([...g.values(), ...grads.values(), norm]);
    const inf = new Map<string, tf.Tensor>([['a', tf.tensor1d([Infinity, 1])], ['b', tf.tensor1d([100])]]);
    const clippedInf = clipGradNorm(inf, 1);
    expect((await read(clippedInf.norm))[0]).to.equal(Infinity);
    expect((await read(clippedInf.grads.get('b')!))[0]).to.equal(100);
    tf.dispose([...inf.values(), ...clippedInf.grads.values(), clippedInf.norm]);
    expect(() => clipGradNorm(new Map(), -1)).to.throw('clipGradNorm: maxNorm must be a finite number >= 0 (0 disables clipping), got -1.');
  });
});
