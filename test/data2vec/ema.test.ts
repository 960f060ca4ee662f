/** EMA teacher arithmetic and τ schedule (spec §4, trap 6). */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { annealedTau } from '../../src/data2vec/ema-schedule';
import { EmaTeacher } from '../../src/data2vec/ema-teacher';
import { Linear } from '../../src/nn/linear';
import { Module } from '../../src/nn/module';
import { Rng } from '../../src/util/rng';

class Pair extends Module {
  readonly a: Linear;
  readonly b: Linear;
  constructor(rng: Rng) {
    super();
    this.a = this.addChild('a', new Linear(2, 2, rng));
    this.b = this.addChild('b', new Linear(2, 2, rng));
  }
}

const values = (v: tf.Tensor) => Array.from(v.dataSync());

describe('EMA schedule (fairseq get_annealed_rate)', () => {
  const s = { tauStart: 0.999, tauEnd: 0.9999, annealUpdates: 30000 };
  it('starts at τ0, is linear, and stays at τe after n updates', () => {
    expect(annealedTau(s, 0)).to.be.closeTo(0.999, 1e-12);
    expect(annealedTau(s, 15000)).to.be.closeTo(0.99945, 1e-12);
    expect(annealedTau(s, 30000)).to.equal(0.9999);
    expect(annealedTau(s, 90000)).to.equal(0.9999);
    const d1 = annealedTau(s, 1001) - annealedTau(s, 1000);
    const d2 = annealedTau(s, 20001) - annealedTau(s, 20000);
    expect(d1).to.be.closeTo(d2, 1e-12);
    expect(d1).to.be.closeTo(0.0009 / 30000, 1e-12);
  });
  it('is constant when τ0 = τe (data2vec_vision 0.9998)', () => {
    expect(annealedTau({ tauStart: 0.9998, tauEnd: 0.9998, annealUpdates: 0 }, 123)).to.equal(0.9998);
  });
});

describe('EmaTeacher', () => {
  it('starts as an exact copy and is not the same storage', () => {
    const rng = new Rng(1);
    const student = new Pair(rng);
    const ema = new EmaTeacher(student, () => new Pair(new Rng(99)), { tauStart: 0.5, tauEnd: 0.5, annealUpdates: 0 });
    for (const [name, v] of student.namedParameters()) {
      const t = new Map(ema.model.namedParameters()).get(name)!;
      expect(values(t)).to.deep.equal(values(v));
      expect(t).to.not.equal(v);
    }
    expect(ema.model.training).to.equal(false);
  });

  it('moves Δ ← τΔ + (1−τ)θ once per update number and copies shared parameters', () => {
    const rng = new Rng(2);
    const student = new Pair(rng);
    const ema = new EmaTeacher(student, () => new Pair(new Rng(5)), { tauStart: 0.9, tauEnd: 0.9, annealUpdates: 0, shared: ['b'] });
    const teacher0 = new Map([...ema.model.namedParameters()].map(([n, v]) => [n, values(v)]));
    tf.tidy(() => {
      for (const [, v] of student.namedParameters()) v.assign(tf.add(v, 1));
    });
    const student1 = new Map([...student.namedParameters()].map(([n, v]) => [n, values(v)]));
    expect(ema.step(1)).to.deep.equal({ tau: 0.9, stepped: true });
    // a second call for the same update (gradient accumulation) must not step again
    expect(ema.step(1).stepped).to.equal(false);
    for (const [name, v] of ema.model.namedParameters()) {
      const got = values(v);
      const want = name.startsWith('b.')
        ? student1.get(name)!
        : teacher0.get(name)!.map((t, i) => 0.9 * t + 0.1 * student1.get(name)![i]);
      got.forEach((g, i) => expect(g).to.be.closeTo(want[i], 1e-6));
    }
    expect(ema.sharedNames).to.deep.equal(['b.weight', 'b.bias']);
  });

  it('is frozen at τ = 1', () => {
    const student = new Pair(new Rng(3));
    const ema = new EmaTeacher(student, () => new Pair(new Rng(4)), { tauStart: 1, tauEnd: 1, annealUpdates: 0 });
    const before = values(ema.model.a.weight);
    tf.tidy(() => student.a.weight.assign(tf.add(student.a.weight, 5)));
    expect(ema.step(1).stepped).to.equal(false);
    expect(values(ema.model.a.weight)).to.deep.equal(before);
  });

  it('uses the annealed τ of the update number', () => {
    const student = new Pair(new Rng(6));
    const ema = new EmaTeacher(student, () => new Pair(new Rng(7)), { tauStart: 0.5, tauEnd: 0.9, annealUpdates: 4 });
    expect(ema.step(2).tau).to.be.closeTo(0.7, 1e-12);
    expect(ema.step(10).tau).to.be.closeTo(0.9, 1e-12);
  });

  it('rejects an impossible τ with a sentence naming the field', () => {
    const student = new Pair(new Rng(8));
    expect(() => new EmaTeacher(student, () => new Pair(new Rng(9)), { tauStart: 1.5, tauEnd: 0.9, annealUpdates: 4 })).to.throw(/ema\.tauStart is 1\.5/);
  });
});
