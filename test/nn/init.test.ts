/**
 * Seeded initialisers (src/nn/init.ts, spec §1): each kind's bounds and spread, one
 * seed drawn from the caller's Rng per tensor (so a model's init is deterministic per
 * seed and consecutive tensors differ), uniforms from the same PCG stream as the
 * device-made random tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { initTensor, initValues } from '../../src/nn/init';
import { Rng } from '../../src/util/rng';
import { hashUniformArray } from '../../src/util/pcg-stream';

const stats = (x: Float32Array) => {
  let m = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    m += v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  m /= x.length;
  let v2 = 0;
  for (const v of x) v2 += (v - m) ** 2;
  return { mean: m, std: Math.sqrt(v2 / x.length), lo, hi };
};

describe('seeded initialisers', () => {
  it('xavier uniform: within ±sqrt(6/(fanIn+fanOut)), reaching both ends, std a/sqrt(3); the values of the PCG stream of the drawn seed', () => {
    const shape = [384, 1536];
    const a = Math.sqrt(6 / (384 + 1536));
    const x = initValues(shape, { kind: 'xavierUniform' }, new Rng(5));
    const s = stats(x);
    expect(s.lo).to.be.at.least(-a);
    expect(s.hi).to.be.below(a);
    expect(s.lo).to.be.below(-0.999 * a);
    expect(s.hi).to.be.above(0.999 * a);
    expect(Math.abs(s.mean)).to.be.below(0.005 * a);
    expect(s.std / (a / Math.sqrt(3))).to.be.closeTo(1, 0.005);
    const u = hashUniformArray(8, new Rng(5).int32());
    u.forEach((v, i) => expect(x[i]).to.be.closeTo(-a + 2 * a * v, 1e-7));
  });

  it('normal, truncated normal (±2σ) and kaiming normal: spreads as asked; truncation holds', () => {
    const rng = new Rng(1);
    const normal = stats(initValues([1000, 300], { kind: 'normal', std: 0.02 }, rng));
    expect(normal.std / 0.02).to.be.closeTo(1, 0.01);
    expect(normal.hi).to.be.above(0.08); // 4σ happens in 300,000 draws
    const trunc = stats(initValues([1000, 300], { kind: 'truncNormal', std: 0.02 }, rng));
    expect(trunc.lo).to.be.at.least(Math.fround(-0.04));
    expect(trunc.hi).to.be.at.most(Math.fround(0.04));
    expect(trunc.std / 0.02).to.be.closeTo(0.8796, 0.01);
    const kaiming = stats(initValues([200, 3, 512], { kind: 'kaimingNormal' }, rng));
    expect(kaiming.std / Math.sqrt(2 / 600)).to.be.closeTo(1, 0.01);
  });

  it('one seed per tensor from the Rng: the same Rng seed gives the same tensors, consecutive tensors and other seeds differ', async () => {
    const draw = async (seed: number) => {
      const rng = new Rng(seed);
      const ts = [initTensor([30, 40], { kind: 'truncNormal', std: 0.02 }, rng), initTensor([30, 40], { kind: 'truncNormal', std: 0.02 }, rng)];
      const out = await Promise.all(ts.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose(ts);
      return out;
    };
    const [a1, a2] = await draw(7);
    const [b1] = await draw(7);
    const [c1] = await draw(8);
    expect(Array.from(b1)).to.deep.equal(Array.from(a1));
    expect(a2.filter((v, i) => v === a1[i]).length).to.be.below(5);
    expect(c1.filter((v, i) => v === a1[i]).length).to.be.below(5);
    // one draw per tensor, whatever its size
    const rng = new Rng(3);
    initValues([100_000], { kind: 'normal', std: 1 }, rng);
    const next = new Rng(3);
    next.int32();
    expect(rng.int32()).to.equal(next.int32());
  });
});
