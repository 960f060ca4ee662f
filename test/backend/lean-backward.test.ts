/**
 * The backward pass that frees as it goes (src/backend/lean-backward.ts): the
 * same gradients bit for bit as tfjs's own, a lower peak, no leaked tensors, and
 * gradients that a custom gradient passes through (dy itself) or a caller's dy
 * left intact.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { installLeanBackward, uninstallLeanBackward, leanBackwardInstalled } from '../../src/backend/lean-backward';
import { meterPeakBytes } from '../../src/backend/heap-meter';
import { TransformerBlock } from '../../src/nn/transformer-block';
import { Rng } from '../../src/util/rng';

/** Two pre-LN blocks (attention, GELU MLP, layer scale, broadcast adds), a slice, a concat and a mean: loss and grads. */
function blockGrads(blocks: TransformerBlock[], x: tf.Tensor): { loss: number; grads: Float32Array[]; peak: number } {
  const params = blocks.flatMap((b) => b.namedTrainableParameters().map(([, v]) => v));
  const run = meterPeakBytes(() =>
    tf.variableGrads(() => {
      let h = x;
      for (const b of blocks) h = b.forward(h).out;
      const head = tf.slice(h, [0, 0, 0], [-1, 1, -1]);
      const rest = tf.slice(h, [0, 1, 0], [-1, -1, -1]);
      return tf.mean(tf.square(tf.concat([tf.mul(head, 2), rest], 1))) as tf.Scalar;
    }, params),
  );
  const { value, grads } = run.result;
  const out = { loss: value.dataSync()[0], grads: params.map((p) => grads[p.name].dataSync() as Float32Array), peak: run.peakBytes };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('lean backward pass', () => {
  after(() => installLeanBackward());

  it('gives bit-identical gradients with a lower peak and no leaks', function () {
    this.timeout(60_000);
    const rng = new Rng('lean');
    const blocks = [0, 1].map(() => new TransformerBlock({ dim: 64, heads: 4, norm: 'pre', layerScale: 0.1 }, rng));
    const x = tf.tensor(rng.normalArray(8 * 50 * 64), [8, 50, 64]);
    uninstallLeanBackward();
    expect(leanBackwardInstalled()).to.equal(false);
    const before = tf.memory().numTensors;
    const reference = blockGrads(blocks, x);
    expect(tf.memory().numTensors).to.equal(before);
    installLeanBackward();
    const lean = blockGrads(blocks, x);
    expect(tf.memory().numTensors, 'tensors left after the lean pass').to.equal(before);
    expect(lean.loss).to.equal(reference.loss);
    lean.grads.forEach((g, i) => expect(Array.from(g), `gradient ${i}`).to.deep.equal(Array.from(reference.grads[i])));
    if (tf.getBackend() === 'wasm') {
      // Measured 0.28× on wasm: no longer every intermediate's gradient and shape-only saves.
      // eslint-disable-next-line no-console
      if (process.env.D2V_VERBOSE) console.log(`peak ${lean.peak} vs ${reference.peak}`);
      expect(lean.peak, `peak ${lean.peak} vs ${reference.peak}`).to.be.below(0.75 * reference.peak);
    }
    x.dispose();
    blocks.forEach((b) => b.dispose());
  });

  it('keeps a gradient passed through unchanged and the caller dy', () => {
    installLeanBackward();
    const passThrough = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return { value: tf.mul(a, 1), gradFunc: (dy: tf.Tensor) => dy };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const x = tf.tensor1d([1, 2, 3]);
    const dy = tf.tensor1d([0.5, -1, 2]);
    const g = tf.grad((a: tf.Tensor) => tf.mul(passThrough(tf.square(a)) as tf.Tensor, 3))(x, dy);
    expect(Array.from(g.dataSync())).to.deep.equal([3, -12, 36]);
    expect(dy.isDisposed).to.equal(false);
    expect(Array.from(dy.dataSync())).to.deep.equal([0.5, -1, 2]);
    tf.dispose([x, dy, g]);
  });

  it('still computes second-order gradients (the original path)', () => {
    installLeanBackward();
    const x = tf.scalar(3);
    const d2 = tf.grad((a: tf.Tensor) => tf.grad((b: tf.Tensor) => tf.pow(b, 3))(a))(x);
    expect(d2.dataSync()[0]).to.be.closeTo(18, 1e-4);
    tf.dispose([x, d2]);
  });
});
