/**
 * AdamW (spec §6, trap 18): golden numbers from PyTorch's torch.optim.AdamW and
 * from fairseq's Adam update (test/train/golden/adamw_golden.py), an
 * independent float64 evaluation of the update formula, weight-decay exclusion
 * rules, convergence on a quadratic, and the state round trip.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { AdamW, AdamWOptions, NO_DECAY_PRESETS, NoDecayRule, defaultNoDecay } from '../../src/train/adamw';
import { Rng } from '../../src/util/rng';
import { Module } from '../../src/nn/module';
import { Linear } from '../../src/nn/linear';
import { LayerNorm } from '../../src/nn/layer-norm';

// Inputs mirrored from test/train/golden/adamw_golden.py.
const W0 = [0.5, -0.25, 1.0, -1.5, 0.75, 0.1];
const B0 = [0.2, -0.1, 0.05];
const GRADS_W = [
  [0.5, -1.0, 2.0, 0.01, -0.3, 0.0],
  [-0.2, 0.4, 1.0, 0.3, 0.3, -0.05],
  [0.1, -0.1, -3.0, 0.02, -0.6, 0.5],
];
const GRADS_B: (number[] | null)[] = [[1.0, -0.5, 0.25], null, [-0.3, 0.2, 0.8]];
const LRS = [1e-2, 5e-3, 2e-2];

// Output of adamw_golden.py (torch 1.13).
const TORCH_ADAMW: { w: number[]; b: number[] }[] = [
  { w: [0.4895000159740448, -0.23975001275539398, 0.9890000224113464, -1.508499026298523, 0.7592499852180481, 0.09989999979734421], b: [0.1900000125169754, -0.09000001847743988, 0.04000004008412361] },
  { w: [0.4875211715698242, -0.23789606988430023, 0.9838311076164246, -1.5115567445755005, 0.7586072087287903, 0.103552907705307], b: [0.1900000125169754, -0.09000001847743988, 0.04000004008412361] },
  { w: [0.4788994789123535, -0.2308644950389862, 0.9834973812103271, -1.5212006568908691, 0.7670072317123413, 0.0918857678771019], b: [0.18140853941440582, -0.0830637589097023, 0.02187013067305088] },
];
const FAIRSEQ_ADAM: { w: number[]; b: number[] }[] = [
  { w: [0.48950013518333435, -0.23975007236003876, 0.9890000224113464, -1.5084929466247559, 0.759249746799469, 0.09989999979734421], b: [0.19000007212162018, -0.09000014513731003, 0.04000028222799301] },
  { w: [0.48752135038375854, -0.237896129488945, 0.9838311672210693, -1.5115505456924438, 0.7586069703102112, 0.10355249047279358], b: [0.19000007212162018, -0.09000014513731003, 0.04000028222799301] },
  { w: [0.4788997173309326, -0.23086456954479218, 0.9834973812103271, -1.5211941003799438, 0.7670068740844727, 0.09188546985387802], b: [0.18140864372253418, -0.08306396007537842, 0.02187049202620983] },
];

/** Largest absolute difference between two arrays of equal length. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).to.equal(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Run the golden scenario: 'w' (2x3, decays) and 'b' (length 3, listed as no-decay). */
function runGoldenScenario(options: AdamWOptions): { w: Float32Array; b: Float32Array }[] {
  const w = tf.variable(tf.tensor2d(W0, [2, 3]));
  const b = tf.variable(tf.tensor1d(B0));
  const opt = new AdamW([['w', w], ['b', b]], options, new Set(['b']));
  const out: { w: Float32Array; b: Float32Array }[] = [];
  for (let t = 0; t < 3; t++) {
    const grads = new Map<string, tf.Tensor>([['w', tf.tensor2d(GRADS_W[t], [2, 3])]]);
    const gb = GRADS_B[t];
    if (gb !== null) grads.set('b', tf.tensor1d(gb));
    opt.step(grads, LRS[t]);
    grads.forEach((g) => g.dispose());
    out.push({ w: w.dataSync() as Float32Array, b: b.dataSync() as Float32Array });
  }
  opt.dispose();
  w.dispose();
  b.dispose();
  return out;
}

describe('train/adamw: AdamW', () => {
  const goldenOptions: AdamWOptions = { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.1 };

  it('matches torch.optim.AdamW for three updates (decay on the 2-D weight, none on the bias, a skipped bias gradient)', () => {
    const got = runGoldenScenario(goldenOptions);
    for (let t = 0; t < 3; t++) {
      expect(maxAbsDiff(got[t].w, TORCH_ADAMW[t].w), `w after update ${t + 1}`).to.be.below(3e-7);
      expect(maxAbsDiff(got[t].b, TORCH_ADAMW[t].b), `b after update ${t + 1}`).to.be.below(3e-7);
    }
    // The two goldens differ by more than the tolerance, so the comparison can tell the eps styles apart.
    expect(maxAbsDiff(TORCH_ADAMW[0].w, FAIRSEQ_ADAM[0].w)).to.be.above(5e-6);
  });

  it("matches fairseq's Adam update with epsStyle 'fairseq'", () => {
    const got = runGoldenScenario({ ...goldenOptions, epsStyle: 'fairseq' });
    for (let t = 0; t < 3; t++) {
      expect(maxAbsDiff(got[t].w, FAIRSEQ_ADAM[t].w), `w after update ${t + 1}`).to.be.below(3e-7);
      expect(maxAbsDiff(got[t].b, FAIRSEQ_ADAM[t].b), `b after update ${t + 1}`).to.be.below(3e-7);
    }
  });

  it('agrees with the update formula evaluated in float64, per-parameter step counts included', () => {
    const beta1 = 0.8, beta2 = 0.9, eps = 1e-3, wd = 0.5;
    const lrs = [0.1, 0.05, 0.2, 0.1];
    const rng = new Rng(7);
    const p0 = { w: rng.normalArray(6), b: rng.normalArray(3) };
    const gradsFor = (t: number) => ({ w: rng.normalArray(6), b: t === 1 ? null : rng.normalArray(3) });
    const schedule = lrs.map((_, t) => gradsFor(t));

    // Reference: the formula in float64, each parameter counting its own steps.
    const ref = { w: [...p0.w], b: [...p0.b] };
    const mom = { w: { m: new Array(6).fill(0), v: new Array(6).fill(0), t: 0 }, b: { m: new Array(3).fill(0), v: new Array(3).fill(0), t: 0 } };
    for (let t = 0; t < lrs.length; t++) {
      for (const key of ['w', 'b'] as const) {
        const g = schedule[t][key];
        if (g === null) continue;
        const s = mom[key];
        s.t += 1;
        for (let i = 0; i < g.length; i++) {
          if (key === 'w') ref.w[i] -= lrs[t] * wd * ref.w[i];
          s.m[i] = beta1 * s.m[i] + (1 - beta1) * g[i];
          s.v[i] = beta2 * s.v[i] + (1 - beta2) * g[i] * g[i];
          const mHat = s.m[i] / (1 - beta1 ** s.t);
          const vHat = s.v[i] / (1 - beta2 ** s.t);
          ref[key][i] -= (lrs[t] * mHat) / (Math.sqrt(vHat) + eps);
        }
      }
    }

    const w = tf.variable(tf.tensor2d(p0.w, [3, 2]));
    const b = tf.variable(tf.tensor1d(p0.b));
    const opt = new AdamW([['layer.weight', w], ['layer.bias', b]], { betas: [beta1, beta2], eps, weightDecay: wd }, defaultNoDecay());
    lrs.forEach((lr, t) => {
      const grads = new Map<string, tf.Tensor>([['layer.weight', tf.tensor2d(schedule[t].w, [3, 2])]]);
      const gb = schedule[t].b;
      if (gb !== null) grads.set('layer.bias', tf.tensor1d(gb));
      opt.step(grads, lr);
      grads.forEach((g) => g.dispose());
    });
    expect(opt.stepCount).to.equal(4);
    expect(maxAbsDiff(w.dataSync(), ref.w)).to.be.below(2e-6);
    expect(maxAbsDiff(b.dataSync(), ref.b)).to.be.below(2e-6);
    opt.dispose();
    w.dispose();
    b.dispose();
  });

  it('weight-decay exclusions: default rule, reference presets, and a Module\'s own no-decay set', () => {
    const names: [string, number][] = [
      ['blocks.0.attn.qkv.weight', 2], ['blocks.0.attn.qkv.bias', 1], ['blocks.0.norm1.weight', 1],
      ['embeddings.cls_token', 3], ['pos_embed', 3], ['modality_encoders.AUDIO.alibi_scale', 5], ['head.weight', 2],
    ];
    const skipped = (rule: (n: string, r: number) => boolean) => names.filter(([n, r]) => rule(n, r)).map(([n]) => n);
    expect(skipped(NO_DECAY_PRESETS.decayAll)).to.deep.equal([]);
    expect(skipped(defaultNoDecay())).to.deep.equal(['blocks.0.attn.qkv.bias', 'blocks.0.norm1.weight']);
    expect(skipped(NO_DECAY_PRESETS.fairseqV2)).to.deep.equal(['blocks.0.attn.qkv.bias', 'blocks.0.norm1.weight', 'modality_encoders.AUDIO.alibi_scale']);
    expect(skipped(NO_DECAY_PRESETS.beitV1)).to.deep.equal(['blocks.0.attn.qkv.bias', 'blocks.0.norm1.weight', 'embeddings.cls_token', 'pos_embed']);
    // A partial segment does not match: "my_pos_embed" is not "pos_embed".
    expect(NO_DECAY_PRESETS.beitV1('my_pos_embed', 3)).to.equal(false);

    class Tiny extends Module {
      readonly fc = this.addChild('fc', new Linear(4, 3, new Rng(1)));
      readonly norm = this.addChild('norm', new LayerNorm(3));
    }
    const model = new Tiny();
    const viaSet = new AdamW(model.namedTrainableParameters(), { weightDecay: 0.05 }, model.noWeightDecayNames());
    const viaRule = new AdamW(model.namedTrainableParameters(), { weightDecay: 0.05 }, defaultNoDecay());
    expect(viaSet.decayedParameterNames()).to.deep.equal(['fc.weight']);
    expect(viaRule.decayedParameterNames()).to.deep.equal(['fc.weight']);
    viaSet.dispose();
    viaRule.dispose();
    model.dispose();
  });

  it('a zero gradient with weight decay shrinks only decayed parameters, by exactly (1 - lr·wd) per update', () => {
    const w = tf.variable(tf.tensor2d([[2, -4]]));
    const b = tf.variable(tf.tensor1d([3]));
    const rule: NoDecayRule = (name) => name === 'b';
    const opt = new AdamW([['w', w], ['b', b]], { weightDecay: 0.1 }, rule);
    for (let t = 0; t < 5; t++) {
      const grads = new Map<string, tf.Tensor>([['w', tf.zeros([1, 2])], ['b', tf.zeros([1])]]);
      opt.step(grads, 0.5);
      grads.forEach((g) => g.dispose());
    }
    expect(maxAbsDiff(w.dataSync(), [2 * 0.95 ** 5, -4 * 0.95 ** 5])).to.be.below(1e-6);
    expect(b.dataSync()[0]).to.equal(3);
    opt.dispose();
    w.dispose();
    b.dispose();
  });

  it('minimises an ill-conditioned quadratic through tf.variableGrads, with flat tensor memory', () => {
    const target = tf.tensor2d([[1, -2, 3], [0.5, 4, -1]]);
    const curvature = tf.tensor2d([[100, 1, 0.01], [10, 0.1, 1]]);
    const x = tf.variable(tf.zeros([2, 3]));
    const opt = new AdamW([['x', x]], { betas: [0.9, 0.999] }, NO_DECAY_PRESETS.decayAll);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(curvature, tf.square(tf.sub(x, target)))).mul(0.5) as tf.Scalar);
    const first = loss();
    const initial = first.dataSync()[0];
    first.dispose();
    let before = 0;
    for (let t = 0; t < 600; t++) {
      const lr = t < 300 ? 0.1 : 0.01;
      const { value, grads } = tf.variableGrads(loss, [x]);
      opt.step(new Map([['x', grads[x.name]]]), lr);
      value.dispose();
      tf.dispose(grads);
      if (t === 0) before = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).to.equal(before);
    expect(maxAbsDiff(x.dataSync(), target.dataSync())).to.be.below(2e-3);
    const last = loss();
    expect(last.dataSync()[0]).to.be.below(initial * 1e-6);
    last.dispose();
    opt.dispose();
    tf.dispose([x, target, curvature]);
  });

  it('stateDict → new optimizer → loadStateDict gives a bit-identical next update', () => {
    const rng = new Rng(3);
    const make = (values: number[][]) => [tf.variable(tf.tensor2d(values[0], [2, 2])), tf.variable(tf.tensor1d(values[1]))] as const;
    const init = [Array.from(rng.normalArray(4)), Array.from(rng.normalArray(2))];
    const [wa, ba] = make(init);
    const options: AdamWOptions = { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01 };
    const a = new AdamW([['w', wa], ['b', ba]], options, defaultNoDecay());
    const gradSeq = Array.from({ length: 4 }, () => [rng.normalArray(4), rng.normalArray(2)]);
    const gradsAt = (t: number, withBias: boolean) => {
      const m = new Map<string, tf.Tensor>([['w', tf.tensor2d(gradSeq[t][0], [2, 2])]]);
      if (withBias) m.set('b', tf.tensor1d(gradSeq[t][1]));
      return m;
    };
    // Three updates; the bias skips one, so its step count (2) differs from the weight's (3).
    for (let t = 0; t < 3; t++) {
      const g = gradsAt(t, t !== 1);
      a.step(g, 0.01);
      g.forEach((x) => x.dispose());
    }
    const state = a.stateDict();
    expect([...state.tensors.keys()].sort()).to.deep.equal(['exp_avg.b', 'exp_avg.w', 'exp_avg_sq.b', 'exp_avg_sq.w', 'step.b', 'step.w']);
    expect(state.stepCount).to.equal(3);
    expect(state.tensors.get('step.w')!.dataSync()[0]).to.equal(3);
    expect(state.tensors.get('step.b')!.dataSync()[0]).to.equal(2);
    expect([...state.steps!]).to.deep.equal([['w', 3], ['b', 2]]);

    const [wb, bb] = make([Array.from(wa.dataSync()), Array.from(ba.dataSync())]);
    const b = new AdamW([['w', wb], ['b', bb]], options, defaultNoDecay());
    b.loadStateDict(state);
    tf.dispose([...state.tensors.values()]);
    expect(b.stepCount).to.equal(3);

    const [wc, bc] = make([Array.from(wa.dataSync()), Array.from(ba.dataSync())]);
    const fresh = new AdamW([['w', wc], ['b', bc]], options, defaultNoDecay());

    for (const opt of [a, b, fresh]) {
      const g = gradsAt(3, true);
      opt.step(g, 0.01);
      g.forEach((x) => x.dispose());
    }
    expect(Array.from(wb.dataSync())).to.deep.equal(Array.from(wa.dataSync()));
    expect(Array.from(bb.dataSync())).to.deep.equal(Array.from(ba.dataSync()));
    // Without the state the same update lands elsewhere, so the comparison above is meaningful.
    expect(maxAbsDiff(wc.dataSync(), wa.dataSync())).to.be.above(1e-4);
    for (const o of [a, b, fresh]) o.dispose();
    tf.dispose([wa, ba, wb, bb, wc, bc]);
  });

  it('rejects unknown gradient names, wrong shapes, bad options and incomplete state with clear messages', () => {
    const w = tf.variable(tf.zeros([2, 2]));
    const opt = new AdamW([['enc.w', w]], {}, defaultNoDecay());
    const bad = tf.zeros([3]);
    expect(() => opt.step(new Map([['enc.v', bad]]), 0.1)).to.throw('AdamW.step got a gradient for "enc.v", which is not one of the optimizer\'s parameters.');
    expect(() => opt.step(new Map([['enc.w', bad]]), 0.1)).to.throw('gradient for "enc.w" has shape [3] but the parameter has shape [2,2]');
    expect(() => opt.step(new Map(), NaN)).to.throw('learning rate must be a finite number >= 0, got NaN');
    expect(opt.stepCount).to.equal(0);
    expect(() => opt.loadStateDict({ tensors: new Map(), stepCount: 1 })).to.throw('optimizer state has no "exp_avg.enc.w"; was it saved for a different model?');
    expect(() => new AdamW([['w', w]], { betas: [0.9, 1] }, defaultNoDecay())).to.throw('AdamW option betas[1] must be in [0, 1), got 1.');
    opt.dispose();
    tf.dispose([w, bad]);
  });
});
