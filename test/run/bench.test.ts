/**
 * `benchCompare` (the v1/v2 benchmark): the JSON shape the CLI prints, the probe
 * schedule, the threshold logic (reached → seconds and updates; never → null), and
 * a deterministic probe subset.
 */
import { expect } from 'chai';
import { expectRejection } from '../helpers/rejects';
import { BenchAlgoResult, benchCompare, benchNotes, benchRatios, defaultBenchThreshold, formatBench } from '../../src/run/bench';
import { subsetImages } from '../../src/modalities/image/probe-subset';
import { loadFashionMnist } from '../../src/data/image-dataset';

describe('benchCompare (v1 vs v2 on images)', () => {
  it('returns {v1, v2, threshold} with throughput, ms per update and time to accuracy (null when not reached)', async function () {
    this.timeout(300_000);
    const common = { preset: 'tiny', seed: 0, probeEvery: 1, maxUpdates: 2, probeTrainSize: 100, probeTestSize: 100, overrides: { batchSize: 4 } };
    const r = await benchCompare({ ...common, algos: ['v1', 'v2'], threshold: 0.999 });
    expect(Object.keys(r).sort()).to.deep.equal(['notes', 'threshold', 'threshold_basis', 'v1', 'v2']);
    expect(r.threshold).to.equal(0.999);
    expect(r.threshold_basis).to.equal('given');
    // the tiny presets share width, block count, heads and patch (v2: 1 prenet + 3 main blocks)
    expect(r.v1!.encoder).to.deep.equal({ width: 64, blocks: 4, heads: 4, patch: 4 });
    expect(r.v2!.encoder).to.deep.equal(r.v1!.encoder);
    // one note per algorithm that missed the threshold, and one more only when the random-init probes are 5 points apart or more
    const gapNotes = Math.abs(r.v2!.initial_accuracy - r.v1!.initial_accuracy) >= 0.05 ? 1 : 0;
    expect(r.notes).to.have.length(2 + gapNotes);
    expect(r.notes[0]).to.match(/^v1 did not reach 99\.9 % in 2 updates/);
    expect(r.notes.join(' ')).to.not.match(/encoders differ/);
    for (const algo of ['v1', 'v2'] as const) {
      const a = r[algo]!;
      expect(a.samples_per_sec).to.be.greaterThan(0);
      expect(a.step_ms).to.be.greaterThan(0);
      expect(a.samples_per_sec).to.be.closeTo(4 / (a.step_ms! / 1000), 1e-6);
      expect(a.flops_per_update).to.be.greaterThan(0);
      expect(a.tflop_per_sec).to.be.closeTo(a.flops_per_update! / (a.step_ms! / 1000) / 1e12, 1e-12);
      expect(a.time_to_accuracy_s).to.equal(null);
      expect(a.updates_to_accuracy).to.equal(null);
      expect(a.updates).to.equal(2);
      expect(a.probes.map((p) => p.update)).to.deep.equal([0, 1, 2]);
      expect(a.probes[0].seconds).to.equal(0);
      expect(a.probes[2].seconds).to.be.closeTo(a.train_seconds, 1e-9);
      a.probes.forEach((p) => expect(p.accuracy).to.be.within(0, 1));
      // the probe's L2 strength is one of the validation candidates, and probing is off the training clock
      a.probes.forEach((p) => expect([1e-4, 1e-3, 1e-2, 1e-1, 1]).to.include(p.weight_decay));
      // each probe records the validation accuracy that chose it (the basis for comparing settings without test)
      a.probes.forEach((p) => expect(p.validation_accuracy).to.be.a('number').and.within(0, 1));
      expect(a.probe_seconds).to.be.greaterThan(0);
    }
    expect(r.v2!.views_per_sample).to.equal(8);
    expect(r.v1!.views_per_sample).to.equal(1);
    expect(benchRatios(r)!.time_to_accuracy).to.equal(null);
    expect(JSON.parse(JSON.stringify(r))).to.deep.equal(r);

    // A threshold at or below the random-init probe is reached at update 0, after 0 s.
    const low = await benchCompare({ ...common, algos: ['v2'], threshold: 0.05 });
    expect(Object.keys(low).sort()).to.deep.equal(['notes', 'threshold', 'threshold_basis', 'v2']);
    expect([low.v2!.time_to_accuracy_s, low.v2!.updates_to_accuracy, low.v2!.probes.length]).to.deep.equal([0, 0, 1]);
    expect(low.notes).to.deep.equal([`v2's random-init probe (${(100 * low.v2!.initial_accuracy).toFixed(1)} %) already meets the threshold 5.0 %, so its time 0 measures the architecture, not pretraining; choose a threshold above both random inits.`]);
    // stopped by the clock between probes: the last update is probed too
    const clock = await benchCompare({ ...common, algos: ['v1'], threshold: 0.999, probeEvery: 100, maxUpdates: 5, maxSeconds: 1e-6 });
    expect(clock.v1!.updates).to.equal(1);
    expect(clock.v1!.probes.map((p) => p.update)).to.deep.equal([0, 1]);
    // probes on the training clock: a huge interval probes only at init and after the last update, a tiny one after every update
    const sparse = await benchCompare({ ...common, probeEvery: undefined, algos: ['v1'], threshold: 0.999, maxUpdates: 3, probeEverySeconds: 1e9 });
    expect(sparse.v1!.probes.map((p) => p.update)).to.deep.equal([0, 3]);
    const dense = await benchCompare({ ...common, probeEvery: undefined, algos: ['v1'], threshold: 0.999, maxUpdates: 3, probeEverySeconds: 1e-9 });
    expect(dense.v1!.probes.map((p) => p.update)).to.deep.equal([0, 1, 2, 3]);
    // no update ran: no throughput to report, rather than NaN
    expect([low.v2!.samples_per_sec, low.v2!.step_ms, low.v2!.updates]).to.deep.equal([null, null, 0]);
    expect(formatBench(low)).to.match(/v2: n\/a samples\/s, n\/a ms\/update/);
    expect(formatBench(low)).to.match(/\nnote: v2's random-init probe/);
  });

  it('notes encoders of different shape', () => {
    const algo = (width: number, blocks: number) => ({ encoder: { width, blocks, heads: 4, patch: 4 }, time_to_accuracy_s: 10, initial_accuracy: 0.5 }) as unknown as BenchAlgoResult;
    expect(benchNotes({ threshold: 0.7, threshold_basis: 'given', notes: [], v1: algo(64, 4), v2: algo(64, 4) })).to.deep.equal([]);
    // same shape, random-init probes 16 points apart (the tiny image presets): the ratio would mix architecture and pretraining
    const init = (a: BenchAlgoResult, initial_accuracy: number) => ({ ...a, initial_accuracy }) as BenchAlgoResult;
    expect(benchNotes({ threshold: 0.72, threshold_basis: 'given', notes: [], v1: init(algo(64, 4), 0.542), v2: init(algo(64, 4), 0.7) })).to.deep.equal([
      'the random-init probes differ by 15.8 points (v1 54.2 %, v2 70.0 %) because the block designs differ as in the papers, so v2 starts closer to the threshold and part of any time ratio measures the architecture; v1 must also climb that gap.',
    ]);
    // just under 5 points apart: no note
    expect(benchNotes({ threshold: 0.72, threshold_basis: 'given', notes: [], v1: init(algo(64, 4), 0.5), v2: init(algo(64, 4), 0.549) })).to.deep.equal([]);
    expect(benchNotes({ threshold: 0.7, threshold_basis: 'given', notes: [], v1: algo(64, 4), v2: algo(64, 5) })).to.deep.equal([
      'the encoders differ in shape (v1: width 64, 4 blocks, 4 heads, patch 4; v2: width 64, 5 blocks, 4 heads, patch 4), so the times compare different networks.',
    ]);
  });

  it('rejects bad options with one sentence', async () => {
    await expectRejection(benchCompare({ threshold: 1.5 }), /--threshold is 1.5; give an accuracy between 0 and 1/);
    await expectRejection(benchCompare({ probeEvery: 0 }), /--probe-every is 0; it must be a positive integer/);
    await expectRejection(benchCompare({ maxSeconds: -1 }), /--max-seconds is -1; it must be a positive number of seconds/);
    await expectRejection(benchCompare({ probeEverySeconds: 0 }), /--probe-every-seconds is 0; it must be a positive number of seconds/);
    await expectRejection(benchCompare({ algos: ['v3' as never] }), /--compare lists "v3"; use v1, v2 or v1,v2/);
    await expectRejection(benchCompare({ algos: [] }), /--compare is empty/);
    await expectRejection(benchCompare({ modality: 'video' as never }), /--modality video is not one of image, audio, text/);
  });

  it('runs on speech with the speech default threshold and whole-split probes', async function () {
    this.timeout(300_000);
    const r = await benchCompare({ modality: 'audio', preset: 'tiny', algos: ['v2'], seed: 0, probeEvery: 1, maxUpdates: 1, overrides: { batchSize: 2 } });
    expect(r.threshold).to.equal(defaultBenchThreshold('audio'));
    expect(r.threshold).to.equal(0.7);
    expect(r.threshold_basis).to.match(/^default for speech: above both tiny random-init probes/);
    const a = r.v2!;
    expect([a.updates, a.batch_size, a.views_per_sample]).to.deep.equal([1, 2, 8]);
    expect(a.probes.map((p) => p.update)).to.deep.equal([0, 1]);
    // 10 digit classes: a probe is a real accuracy on the held-out voices.
    a.probes.forEach((p) => expect(p.accuracy).to.be.within(0, 1));
    expect(a.initial_accuracy).to.equal(a.probes[0].accuracy);
  });

  it('probes on a seeded subset of the train split', async () => {
    const { train } = loadFashionMnist();
    const a = subsetImages(train, 50, 1);
    const b = subsetImages(train, 50, 1);
    const c = subsetImages(train, 50, 2);
    expect(a.n).to.equal(50);
    expect(Array.from(a.labels)).to.deep.equal(Array.from(b.labels));
    expect(Buffer.from(a.images).equals(Buffer.from(c.images))).to.equal(false);
    expect(subsetImages(train, train.n + 1, 0)).to.equal(train);
  });
});
