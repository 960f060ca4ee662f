/**
 * The flatness criterion of the soak benchmark on synthetic series: a series that keeps
 * one tensor (or 20 kB of resident memory) per update is flagged; flat series with
 * noise like a soak's are not; warm-up samples are not judged; with the wasm heap's
 * resident part sampled, the resident set outside the heap is what is judged.
 */
import { expect } from 'chai';
import { FlatnessCriteria, MemorySample, judgeFlatness, leastSquaresSlope, slopeStandardError } from '../../src/run/flatness';
import { Rng } from '../../src/util/rng';

const CRITERIA: FlatnessCriteria = { warmupUpdates: 200, maxRssSlopeMbPer1000: 10 };

/** Samples every 100 updates up to `updates`, with the given values per update. */
function series(updates: number, f: (update: number, i: number) => Partial<MemorySample>): MemorySample[] {
  const out: MemorySample[] = [];
  for (let u = 0, i = 0; u <= updates; u += 100, i++) out.push({ update: u, rssMb: 400, heapMb: 248, tensors: 312, tensorMb: 3.2, ...f(u, i) });
  return out;
}

function check(samples: MemorySample[], name: string) {
  return judgeFlatness(samples, CRITERIA).checks.find((c) => c.name === name)!;
}

describe('flatness criterion', () => {
  it('least-squares slope and its standard error', () => {
    expect(leastSquaresSlope([0, 100, 200, 300], [5, 7, 9, 11])).to.be.closeTo(0.02, 1e-12);
    expect(leastSquaresSlope([0, 1, 2], [3, 3, 3])).to.equal(0);
    expect(() => leastSquaresSlope([0, 1], [1])).to.throw('as many y values as x values');
    // residuals -0.2, 0.6, -0.6, 0.2 about the slope 0.2: sqrt(0.8 / 2 / 5)
    expect(leastSquaresSlope([0, 1, 2, 3], [0, 1, 0, 1])).to.be.closeTo(0.2, 1e-12);
    expect(slopeStandardError([0, 1, 2, 3], [0, 1, 0, 1])).to.be.closeTo(Math.sqrt(0.08), 1e-12);
    expect(slopeStandardError([0, 1, 2, 3], [5, 7, 9, 11])).to.equal(0);
  });

  it('flags one tensor kept per update, and a tensor kept once after warm-up', () => {
    const leak = check(series(2000, (u) => ({ tensors: 312 + u, tensorMb: 3.2 + u * 4e-6 })), 'tensors');
    expect(leak.pass).to.equal(false);
    expect(leak.slopePer1000).to.be.closeTo(1000, 1e-6);
    expect(leak.change).to.equal(1800);
    expect(check(series(2000, (u) => ({ tensorMb: 3.2 + u * 4e-6 })), 'tensor bytes').pass).to.equal(false);
    // a single step after warm-up is not flat either (the slope rule alone could miss it at the middle)
    expect(check(series(2000, (u) => ({ tensors: u >= 1500 ? 313 : 312 })), 'tensors').pass).to.equal(false);
  });

  it('does not judge the warm-up: growth before update 200 passes', () => {
    const v = judgeFlatness(series(2000, (u) => ({ tensors: u < 200 ? u : 312, heapMb: u < 200 ? 16 : 248, rssMb: u < 200 ? 150 + u : 400 })), CRITERIA);
    expect(v.pass).to.equal(true);
    expect(v.judged).to.equal(19);
  });

  it('passes a flat resident set with noise of ±15 MB (as a soak sees), flags a creep of 20 kB per update', () => {
    const rng = new Rng('noise');
    const noisy = series(2000, () => ({ rssMb: 400 + 30 * (rng.next() - 0.5) }));
    const flat = check(noisy, 'rss');
    expect(flat.pass).to.equal(true);
    expect(Math.abs(flat.slopePer1000)).to.be.below(10);
    const creep = series(2000, (u, i) => ({ rssMb: noisy[i].rssMb + (u * 20) / 1024 }));
    const c = check(creep, 'rss');
    expect(c.pass).to.equal(false);
    expect(c.slopePer1000).to.be.closeTo(flat.slopePer1000 + 20000 / 1024, 1e-9);
  });

  it('flags any wasm heap growth after warm-up, and skips the heap off wasm', () => {
    expect(check(series(2000, (u) => ({ heapMb: u >= 1000 ? 264 : 248 })), 'wasm heap').pass).to.equal(false);
    const offWasm = judgeFlatness(series(1000, () => ({ heapMb: null })), CRITERIA);
    expect(offWasm.checks.map((c) => c.name)).to.deep.equal(['tensors', 'tensor bytes', 'rss']);
  });

  it('with the wasm heap\'s resident part sampled, judges the resident set outside it: the heap filling its span passes, a creep beside it fails', () => {
    // the heap's resident part rises 400 -> 480 MB of its 515 MB span (pages touched for the first time) and the resident set with it
    const filling = series(2000, (u) => ({ heapMb: 515, wasmResidentMb: 400 + u / 25, rssMb: 600 + u / 25 }));
    const v = judgeFlatness(filling, CRITERIA);
    expect(v.pass).to.equal(true);
    expect(v.checks.map((c) => c.name)).to.deep.equal(['tensors', 'tensor bytes', 'wasm heap', 'rss outside the wasm heap']);
    expect(v.checks[3].slopePer1000).to.be.closeTo(0, 1e-9);
    // the whole resident set's slope (40 MB per 1,000) is shown, not judged
    const shown = Object.fromEntries((v.shown ?? []).map((c) => [c.name, c]));
    expect(shown.rss.slopePer1000).to.be.closeTo(40, 1e-9);
    expect(shown.rss.pass).to.equal(false);
    expect(shown['wasm heap resident'].pass).to.equal(true);
    // 20 kB per update outside the heap fails, whatever the heap does
    const creep = series(2000, (u) => ({ heapMb: 515, wasmResidentMb: 450, rssMb: 650 + (u * 20) / 1024 }));
    const c = judgeFlatness(creep, CRITERIA);
    expect(c.pass).to.equal(false);
    expect(c.checks[3].slopePer1000).to.be.closeTo(20000 / 1024, 1e-9);
    // one sample without the breakdown (off Linux): the whole resident set is judged, as before
    const mixed = filling.map((s, i) => (i === 5 ? { ...s, wasmResidentMb: null } : s));
    expect(judgeFlatness(mixed, CRITERIA).checks.map((x) => x.name)).to.include('rss');
    expect(judgeFlatness(mixed, CRITERIA).pass).to.equal(false);
  });

  it('refuses fewer than three samples after the warm-up', () => {
    expect(() => judgeFlatness(series(300, () => ({})), CRITERIA)).to.throw('flatness needs at least 3 samples at or after update 200 (the warm-up), got 2; run more updates or sample more often.');
  });
});
