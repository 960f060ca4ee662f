/**
 * LR schedules (spec §6, trap 17): values at the key points of fairseq `cosine`,
 * data2vec_vision `cosine_scheduler`, fairseq `tri_stage` (exponential decay) and
 * `polynomial_decay`, worked out by hand; JSON specs; validation messages.
 */
import { expect } from 'chai';
import { buildSchedule, constantLr, cosineWithWarmup, polynomialDecay, triStage, triStagePhases, LrSchedule, ScheduleSpec } from '../../src/train/schedules';

const close = (actual: number, expected: number, tol = 1e-12) => expect(Math.abs(actual - expected), `${actual} vs ${expected}`).to.be.at.most(tol);
const values = (s: LrSchedule, n: number) => Array.from({ length: n }, (_, k) => s(k));

describe('train/schedules: learning-rate schedules', () => {
  it('cosine (fairseq): linear warm-up from 0 reaching the peak at update W, one cosine to minLr at T, then minLr', () => {
    const s = cosineWithWarmup({ peakLr: 1, warmupUpdates: 4, totalUpdates: 8 });
    const expected = [0, 0.25, 0.5, 0.75, 1, 0.5 * (1 + Math.SQRT1_2), 0.5, 0.5 * (1 - Math.SQRT1_2), 0, 0];
    values(s, 10).forEach((v, k) => close(v, expected[k]));
    close(s(100000), 0);
  });

  it('cosine with minLr and warmupInitLr: start, end of warm-up, middle and end', () => {
    const peak = 2e-3, min = 1e-5;
    const s = cosineWithWarmup({ peakLr: peak, warmupUpdates: 10, totalUpdates: 110, minLr: min, warmupInitLr: 1e-4 });
    close(s(0), 1e-4);
    close(s(5), 1e-4 + 0.5 * (peak - 1e-4));
    close(s(10), peak);
    close(s(60), (peak + min) / 2);
    close(s(110), min);
    const decay = values(s, 111).slice(10);
    for (let k = 1; k < decay.length; k++) expect(decay[k]).to.be.below(decay[k - 1]);
  });

  it("cosine with warmupStyle 'linspace' (data2vec_vision cosine_scheduler) reaches the peak one update earlier", () => {
    const s = cosineWithWarmup({ peakLr: 1e-3, warmupUpdates: 5, totalUpdates: 9, minLr: 1e-5, warmupStyle: 'linspace' });
    // np.linspace(0, 1e-3, 5), then 1e-5 + 0.5·(1e-3 − 1e-5)·(1 + cos(π·i/4)) for i = 0..3.
    const expected = [0, 2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-5 + 0.495e-3 * (1 + Math.SQRT1_2), 1e-5 + 0.495e-3, 1e-5 + 0.495e-3 * (1 - Math.SQRT1_2)];
    values(s, 9).forEach((v, k) => close(v, expected[k], 1e-15));
  });

  it('tri-stage: warm-up from 0.01·peak, hold, exponential (not linear) decay to 0.01·peak, then constant', () => {
    const peak = 1e-3;
    const s = triStage({ peakLr: peak, warmupUpdates: 10, holdUpdates: 20, decayUpdates: 30 });
    close(s(0), 1e-5, 1e-18);
    close(s(5), 1e-5 + 0.5 * (peak - 1e-5), 1e-18);
    close(s(10), peak, 1e-18);
    close(s(29), peak, 1e-18);
    close(s(30), peak, 1e-18);
    close(s(45), 1e-4, 1e-17); // halfway through the decay: peak · 0.01^(1/2); a linear decay would give 5.05e-4
    close(s(60), 1e-5, 1e-17);
    close(s(61), 1e-5, 1e-18);
    close(s(1e6), 1e-5, 1e-18);
    // log-LR is linear in the decay phase: constant first differences equal to ln(0.01)/30.
    const logs = values(s, 61).slice(30).map(Math.log);
    for (let k = 1; k < logs.length; k++) close(logs[k] - logs[k - 1], Math.log(0.01) / 30, 1e-12);
  });

  it("tri-stage phase lengths from fairseq's phase_ratio (v1 speech base: 3/90/7 % of 400k)", () => {
    expect(triStagePhases(400000, [0.03, 0.9, 0.07])).to.deep.equal({ warmupUpdates: 12000, holdUpdates: 360000, decayUpdates: 28000 });
    expect(triStagePhases(13000, [0.1, 0.4, 0.5])).to.deep.equal({ warmupUpdates: 1300, holdUpdates: 5200, decayUpdates: 6500 });
    expect(() => triStagePhases(100, [0.1, 0.4, 0.4])).to.throw('phaseRatio must add up to 1');
  });

  it('polynomial decay: linear warm-up from 0, then (1 − progress)^power down to endLr', () => {
    const linear = polynomialDecay({ peakLr: 1, warmupUpdates: 4, totalUpdates: 12 });
    [0, 0.25, 0.5, 0.75, 1, 0.875, 0.75, 0.625, 0.5].forEach((v, k) => close(linear(k), v));
    close(linear(12), 0);
    const squared = polynomialDecay({ peakLr: 1, warmupUpdates: 4, totalUpdates: 12, power: 2, endLr: 0.1 });
    close(squared(8), 0.9 * 0.25 + 0.1);
    close(squared(50), 0.1);
  });

  it('constant LR', () => {
    expect(values(constantLr(3e-4), 5)).to.deep.equal([3e-4, 3e-4, 3e-4, 3e-4, 3e-4]);
  });

  it('JSON specs build the same schedules after a round trip through JSON', () => {
    const specs: ScheduleSpec[] = [
      { kind: 'constant', lr: 0.1 },
      { kind: 'cosine', peakLr: 1e-3, warmupUpdates: 3, totalUpdates: 20, minLr: 1e-6 },
      { kind: 'tri_stage', peakLr: 5e-4, warmupUpdates: 2, holdUpdates: 5, decayUpdates: 6 },
      { kind: 'polynomial', peakLr: 2e-5, warmupUpdates: 2, totalUpdates: 15, power: 1 },
    ];
    const direct = [constantLr(0.1), cosineWithWarmup(specs[1] as never), triStage(specs[2] as never), polynomialDecay(specs[3] as never)];
    specs.forEach((spec, i) => {
      const rebuilt = buildSchedule(JSON.parse(JSON.stringify(spec)) as ScheduleSpec);
      expect(values(rebuilt, 25)).to.deep.equal(values(direct[i], 25));
    });
  });

  it('rejects bad specs and update indices with messages naming the field', () => {
    expect(() => buildSchedule({ kind: 'linear' } as unknown as ScheduleSpec)).to.throw('schedule spec has unknown kind "linear"; expected "constant", "cosine", "tri_stage" or "polynomial".');
    expect(() => cosineWithWarmup({ peakLr: 1e-3, warmupUpdates: -1, totalUpdates: 10 })).to.throw('cosine schedule: warmupUpdates must be an integer >= 0, got -1.');
    expect(() => cosineWithWarmup({ peakLr: 1e-3, warmupUpdates: 20, totalUpdates: 10 })).to.throw('cosine schedule: totalUpdates must be an integer >= warmupUpdates (20), got 10.');
    expect(() => cosineWithWarmup({ peakLr: 1e-3, warmupUpdates: 2, totalUpdates: 10, minLr: 1e-2 })).to.throw('cosine schedule: minLr must be a number in [0, peakLr]');
    expect(() => buildSchedule(JSON.parse('{"kind":"tri_stage","peakLr":"5e-4","warmupUpdates":1,"holdUpdates":1,"decayUpdates":1}') as ScheduleSpec)).to.throw('tri_stage schedule: peakLr must be a number >= 0, got "5e-4".');
    expect(() => triStage({ peakLr: 1, warmupUpdates: 1, holdUpdates: 1, decayUpdates: 1, finalLrScale: 0 })).to.throw('tri_stage schedule: finalLrScale must be a number in (0, 1], got 0.');
    expect(() => constantLr(1)(-1)).to.throw('constant schedule: the update index must be an integer >= 0, got -1.');
    expect(() => constantLr(1)(1.5)).to.throw('the update index must be an integer >= 0, got 1.5.');
  });
});
