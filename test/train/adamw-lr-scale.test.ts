/**
 * AdamW's per-parameter LR multiplier (used by layer-wise LR decay in fine-tuning):
 * a parameter with scale s moves exactly s times as far as the same parameter at
 * scale 1, weight decay included, over several steps; bad scales are rejected.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { AdamW } from '../../src/train/adamw';

describe('AdamW lrScale', () => {
  it('scales the whole update (Adam step and decoupled weight decay) per parameter', () => {
    const init = [0.5, -1.5, 2.0];
    const grads = [[0.3, -0.2, 1.0], [-0.1, 0.4, 0.2], [0.05, 0.05, -0.6]];
    const a = tf.variable(tf.tensor1d(init));
    const b = tf.variable(tf.tensor1d(init));
    const opt = new AdamW([['a', a], ['b', b]], { weightDecay: 0.1, lrScale: (n) => (n === 'b' ? 0.25 : 1) }, () => false);
    // With the same gradients, a's moments equal b's; only the step size differs, so
    // after one step b − init = 0.25 · (a − init) exactly.
    opt.step(new Map([['a', tf.tensor1d(grads[0])], ['b', tf.tensor1d(grads[0])]]), 0.1);
    const da = Array.from(a.dataSync(), (v, i) => v - init[i]);
    const db = Array.from(b.dataSync(), (v, i) => v - init[i]);
    da.forEach((d, i) => expect(db[i]).to.be.closeTo(0.25 * d, 1e-6));
    // Adam's first step is lr·g/|g| (up to eps) plus the decay lr·wd·p; here g and p are both
    // positive, so |Δ| = lr_eff·(1 + wd·p) with lr_eff = 0.1 for a and 0.025 for b.
    expect(Math.abs(da[2])).to.be.closeTo(0.1 * (1 + 0.1 * 2.0), 1e-4);
    expect(Math.abs(db[2])).to.be.closeTo(0.025 * (1 + 0.1 * 2.0), 1e-4);
    for (const g of grads.slice(1)) opt.step(new Map([['a', tf.tensor1d(g)], ['b', tf.tensor1d(g)]]), 0.1);
    // Later steps compound differently (decay acts on different p); b still moves less.
    const ta = Array.from(a.dataSync(), (v, i) => Math.abs(v - init[i]));
    const tb = Array.from(b.dataSync(), (v, i) => Math.abs(v - init[i]));
    ta.forEach((d, i) => expect(tb[i]).to.be.lessThan(d));
    opt.dispose();
    tf.dispose([a, b]);
  });

  it('a zero scale freezes a parameter; a negative or non-finite scale is an error naming it', () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const opt = new AdamW([['frozen', p]], { weightDecay: 0.5, lrScale: () => 0 }, () => false);
    opt.step(new Map([['frozen', tf.tensor1d([1, -1])]]), 0.1);
    expect(Array.from(p.dataSync())).to.deep.equal([1, 2]);
    opt.dispose();
    expect(() => new AdamW([['w', p]], { lrScale: () => -1 }, () => false)).to.throw('AdamW option lrScale("w") must be a finite number >= 0, got -1.');
    expect(() => new AdamW([['w', p]], { lrScale: () => NaN }, () => false)).to.throw('lrScale("w")');
    p.dispose();
  });
});
