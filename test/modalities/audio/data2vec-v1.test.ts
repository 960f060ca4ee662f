/**
 * data2vec 1.0 speech on `Data2VecV1` (spec §3.2, §4.2, traps 2, 5, 8): the
 * teacher encodes the unmasked features, targets are the average of the top-K
 * FFN outputs each instance-normalised over time, the CNN / projection /
 * positional conv are shared (copied) while the blocks are averaged, and a
 * short run's loss falls without collapse.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../../src/util/rng';
import { Data2VecV1, V1Batch } from '../../../src/data2vec/data2vec-v1';
import { buildTargets } from '../../../src/data2vec/targets';
import { AudioEncoderV1, AUDIO_V1_SHARED_PREFIXES } from '../../../src/modalities/audio/encoder-v1';
import { audioV1Recipe, loadAudioData, AudioData } from '../../../src/modalities/audio/recipe-v1';
import { Trainer } from '../../../src/train/trainer';
import { MetricsRow } from '../../../src/train/metrics-log';
import { maxAbsDiff, microAudioConfig, randomWaveforms } from './micro-audio';

function microModel(seed = 1): Data2VecV1<AudioEncoderV1> {
  const config = microAudioConfig();
  return new Data2VecV1((rng) => new AudioEncoderV1(config.model, rng), config.data2vec, new Rng(seed));
}

function maskedBatch(model: Data2VecV1<AudioEncoderV1>, rng: Rng, batch: number, samples: number): V1Batch {
  const wave = randomWaveforms(rng, batch, samples);
  const t = model.encoder.outputLength(samples);
  const mask = tf.tensor2d(Array.from({ length: batch * t }, (_, i) => (i % 4 < 2 ? 1 : 0)), [batch, t]);
  return { studentInput: wave, teacherInput: wave, mask, lossMask: mask };
}

let data: AudioData | undefined;
const bundled = (): AudioData => (data ??= loadAudioData(microAudioConfig()));

describe('audio data2vec 1.0: teacher and targets', () => {
  it('the teacher encodes the unmasked projected features while the student sees the mask embedding', () => {
    const model = microModel();
    const batch = maskedBatch(model, new Rng(2), 2, 4000);
    const inputs: { who: string; x: number[][][] }[] = [];
    for (const [who, enc] of [['student', model.encoder], ['teacher', model.teacher]] as const) {
      const original = enc.posConv.forward.bind(enc.posConv);
      enc.posConv.forward = (x: tf.Tensor) => {
        inputs.push({ who, x: x.arraySync() as number[][][] });
        return original(x);
      };
    }
    const prepared = model.prepare(batch);
    const lossOut = model.loss(batch, prepared);
    expect(inputs.map((i) => i.who)).to.deep.equal(['teacher', 'student']);
    const unmasked = tf.tidy(() => model.teacher.localFeatures(batch.teacherInput));
    expect(maxAbsDiff(tf.tensor(inputs[0].x), unmasked)).to.equal(0);
    const emb = Array.from(model.encoder.maskEmb.token.dataSync());
    const m = batch.mask!.arraySync() as number[][];
    inputs[1].x.forEach((row, b) => row.forEach((v, t) => {
      if (m[b][t]) v.forEach((e, d) => expect(e).to.be.closeTo(emb[d], 1e-6));
    }));
    // The targets are those of the unmasked input, and differ from what a masked teacher would give.
    const targets = prepared.targets;
    const unmaskedTargets = tf.tidy(() => buildTargets(model.teacher.forward(batch.teacherInput).layers, model.config.targets));
    const maskedTargets = tf.tidy(() => buildTargets(model.teacher.forward(batch.teacherInput, { mask: batch.mask }).layers, model.config.targets));
    expect(maxAbsDiff(targets, unmaskedTargets)).to.equal(0);
    expect(maxAbsDiff(targets, maskedTargets)).to.be.greaterThan(1e-2);
    tf.dispose([unmasked, unmaskedTargets, maskedTargets, lossOut.loss, ...Object.values(lossOut.scalars), ...Object.values(prepared), batch.studentInput, batch.mask!]);
    model.dispose();
  });

  it('targets = mean over the top K layers of each FFN output instance-normalised over time (no final norm)', () => {
    const model = microModel(3);
    const wave = randomWaveforms(new Rng(4), 2, 5000);
    const { ffn, out } = tf.tidy(() => {
      const r = model.teacher.forward(wave);
      return { ffn: r.layers.map((l) => l.ffn.arraySync() as number[][][]), out: r.layers.map((l) => l.out.arraySync() as number[][][]) };
    });
    const k = model.config.targets.topK;
    expect(model.config.targets).to.include({ source: 'ffn', perLayerNorm: 'instance', finalNorm: 'none' });
    const [b, t, d] = [ffn[0].length, ffn[0][0].length, ffn[0][0][0].length];
    const expected = Array.from({ length: b }, () => Array.from({ length: t }, () => new Array<number>(d).fill(0)));
    for (const layer of ffn.slice(ffn.length - k)) {
      for (let bb = 0; bb < b; bb++) for (let c = 0; c < d; c++) {
        let mean = 0;
        for (let tt = 0; tt < t; tt++) mean += layer[bb][tt][c] / t;
        let variance = 0;
        for (let tt = 0; tt < t; tt++) variance += (layer[bb][tt][c] - mean) ** 2 / t;
        for (let tt = 0; tt < t; tt++) expected[bb][tt][c] += (layer[bb][tt][c] - mean) / Math.sqrt(variance + 1e-5) / k;
      }
    }
    const targets = model.targets({ teacherInput: wave });
    expect(maxAbsDiff(targets, tf.tensor(expected))).to.be.lessThan(1e-4);
    // Each channel of each target is a mean of K standardised series: mean 0 over time.
    const perChannelMean = tf.tidy(() => tf.max(tf.abs(tf.mean(targets, 1))).dataSync()[0]);
    expect(perChannelMean).to.be.lessThan(1e-4);
    // The end-of-block outputs would give different targets.
    const fromOut = tf.tidy(() => buildTargets(out.map((o) => ({ out: tf.tensor(o), ffn: tf.tensor(o) })), model.config.targets));
    expect(maxAbsDiff(targets, fromOut)).to.be.greaterThan(1e-2);
    tf.dispose([wave, targets, fromOut]);
    model.dispose();
  });
});

describe('audio data2vec 1.0: EMA with shared feature encoder', () => {
  it('after EMA steps the CNN, LN, projection, mask embedding and positional conv equal the student; the blocks are averaged', async () => {
    const config = microAudioConfig({ steps: 3, batchSize: 4 });
    const setup = audioV1Recipe.build(config, bundled());
    const model = setup.objective as unknown as Data2VecV1<AudioEncoderV1>;
    const shared = new Set(model.ema.sharedNames);
    const student = new Map(model.encoder.namedParameters());
    const isShared = (n: string) => AUDIO_V1_SHARED_PREFIXES.some((p) => n === p || n.startsWith(`${p}.`));
    expect([...shared].sort()).to.deep.equal([...student.keys()].filter(isShared).sort());
    expect([...shared].some((n) => n.startsWith('encoder.layers.'))).to.equal(false);
    const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
    for (let i = 0; i < 3; i++) await trainer.step();
    let sharedChecked = 0;
    let averagedDiffer = 0;
    for (const [name, t] of model.teacher.namedParameters()) {
      const s = student.get(name)!;
      const diff = maxAbsDiff(t, s);
      if (shared.has(name)) {
        expect(diff, name).to.equal(0);
        sharedChecked++;
      } else if (name.startsWith('encoder.layers.') && diff > 0) averagedDiffer++;
    }
    expect(sharedChecked).to.equal(shared.size);
    const averaged = model.teacher.namedParameters().filter(([n]) => n.startsWith('encoder.layers.')).length;
    expect(averagedDiffer).to.equal(averaged);
    // and the shared parameters did move during training (so equality is not trivial)
    const fresh = microModelLike(config);
    expect(maxAbsDiff(fresh.encoder.featureExtractor.layers[0].conv.weight, model.encoder.featureExtractor.layers[0].conv.weight)).to.be.greaterThan(0);
    fresh.dispose();
    trainer.dispose();
    setup.objective.dispose();
  });
});

function microModelLike(config: ReturnType<typeof microAudioConfig>): Data2VecV1<AudioEncoderV1> {
  return new Data2VecV1((rng) => new AudioEncoderV1(config.model, rng), config.data2vec, new Rng(`${config.seed}:init`));
}

describe('audio data2vec 1.0: a short end-to-end run', () => {
  it('the loss falls over 30 updates on the bundled digits without collapse', async function () {
    this.timeout(300_000);
    const config = microAudioConfig({ steps: 30, batchSize: 8, set: { 'trainer.schedule.peakLr': '0.002' } });
    const setup = audioV1Recipe.build(config, bundled());
    const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
    const rows: MetricsRow[] = [];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) rows.push(await trainer.step());
    expect(tf.memory().numTensors).to.equal(before);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(rows.slice(0, 5).map((r) => r.loss));
    const last = mean(rows.slice(-5).map((r) => r.loss));
    expect(last, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`).to.be.lessThan(0.8 * first);
    const end = rows[rows.length - 1];
    expect(end.target_var).to.be.greaterThan(0.1);
    expect(end.pred_var).to.be.greaterThan(0.01);
    expect(rows.every((r) => Number.isFinite(r.loss))).to.equal(true);
    trainer.dispose();
    setup.objective.dispose();
  });
});
