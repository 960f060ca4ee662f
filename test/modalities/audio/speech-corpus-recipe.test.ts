/**
 * The speech recipes on corpora the test writes (modalities/audio/speech-corpus.ts):
 * a LibriSpeech-layout FLAC folder and WebDataset shards of FLAC members stream
 * into v1 and v2 pretraining through worker threads, the batches hold the
 * files' audio (1.25–1.8 s tones, longer than any bundled spoken digit), the
 * probe reads the held-out files labelled by speaker, bad input is refused
 * naming the file or counted against the 1 % limit, and each micro-batch reports
 * the files (or shard members) it holds: a NaN update's record names them, and they
 * give the batch's waveforms again.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { convLayersWithChannels } from '../../../src/modalities/audio/feature-extractor';
import { audioV1Recipe } from '../../../src/modalities/audio/recipe-v1';
import { audioV2Recipe } from '../../../src/modalities/audio/recipe-v2';
import { V1Batch } from '../../../src/data2vec/data2vec-v1';
import { V2Batch } from '../../../src/data2vec/data2vec-v2';
import { BatchSource, Trainer } from '../../../src/train/trainer';
import { NonfiniteUpdateError } from '../../../src/train/nonfinite-guard';
import { collateAudio } from '../../../src/data/audio-batch';
import { decodeAudioFile } from '../../../src/modalities/audio/decode-audio-file';
import { Rng } from '../../../src/util/rng';
import * as tf from '@tensorflow/tfjs';
import { flacBytes, tone, writeAudioShard, writeFlac } from '../../helpers/speech-fixture';
import { MICRO_SET } from './micro-audio';

/** Longest bundled spoken digit: 0.9 s. */
const BUNDLED_MAX_SAMPLES = 14400;

/** Two speakers × two chapters × five files, 20000 + 500·k samples (k = 0…19). */
function writeLibriSpeech(root: string): void {
  for (let k = 0; k < 20; k++) {
    const speaker = k < 10 ? '19' : '26';
    const chapter = `${speaker}${k % 2}`;
    const file = path.join(root, speaker, chapter, `${speaker}-${chapter}-${String(k).padStart(4, '0')}.flac`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFlac(file, tone(20000 + 500 * k, 150 + 20 * k));
  }
}

describe('speech recipes on FLAC folders and shards', function () {
  this.timeout(240000);
  let root: string;
  let work: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-speech-'));
    root = path.join(work, 'train-clean');
    writeLibriSpeech(root);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('v1: a LibriSpeech folder streams into two updates, batches hold its clips, the probe reads held-out files by speaker', async () => {
    const config = audioV1Recipe.config('tiny', { data: root, steps: 2, batchSize: 4, set: { ...MICRO_SET, 'loader.workers': '1' } });
    const data = audioV1Recipe.loadData(config);
    expect(data.corpus?.kind).to.equal('folder');
    expect(data.trainSize).to.equal(18);
    expect(data.testSize).to.equal(2);
    expect(data.describe).to.match(/18 train \(0\.\d+ h\) \/ 2 test files, 2 labels, 0 left out for length, skipped 0 of 20 files/);
    const setup = audioV1Recipe.build(config, data);
    await setup.batches.prepare!(0);
    const batch = (setup.batches as unknown as (u: number, m: number, rng: Rng) => V1Batch)(0, 0, new Rng(0));
    const [b, length] = batch.studentInput.shape;
    expect(b).to.equal(4);
    // cropped to the shortest clip of the batch: one of the files' lengths, all above the bundled clips
    expect(length).to.be.within(20000, 29500);
    expect(length).to.be.above(BUNDLED_MAX_SAMPLES);
    expect((length - 20000) % 500).to.equal(0);
    batch.studentInput.dispose();
    batch.mask?.dispose();
    const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
    const r = await trainer.run();
    expect(r.rows).to.have.length(2);
    for (const row of r.rows) expect(Number.isFinite(row.loss)).to.equal(true);
    const features = await audioV1Recipe.features(setup.encoder, config, data, 'test');
    expect(features.n).to.equal(2);
    expect([...features.y]).to.deep.equal([0, 1]);
    expect(features.x.every(Number.isFinite)).to.equal(true);
    trainer.dispose();
    setup.objective.dispose();
  });

  it('v2: shards named by a brace pattern stream through a shuffle buffer; a corrupt member is counted and replaced', async () => {
    const dir = path.join(work, 'shards');
    fs.mkdirSync(dir);
    for (let s = 0; s < 2; s++) {
      const samples = Array.from({ length: 6 }, (_, k) => ({ key: `utt-${s}-${k}`, flac: flacBytes(dir, 20000 + 1000 * (s * 6 + k), 200 + 30 * k) }));
      if (s === 1) samples[2].flac = samples[2].flac.slice(0, 200); // header intact, frames cut
      await writeAudioShard(path.join(dir, `train-${String(s).padStart(3, '0')}.tar`), samples);
    }
    const config = audioV2Recipe.config('tiny', {
      data: path.join(dir, 'train-{000..001}.tar'), steps: 1, batchSize: 4,
      set: {
        'model.convLayers': JSON.stringify(convLayersWithChannels(16)), 'model.dim': '32', 'model.heads': '2', 'model.depth': '2',
        'data2vec.targets.topK': '2', 'decoder.dim': '16', 'decoder.groups': '4', 'data2vec.clones': '2', 'loader.workers': '1', 'loader.maxSkipRate': '0.5',
      },
    });
    const data = audioV2Recipe.loadData(config);
    expect(data.corpus?.kind).to.equal('shards');
    expect(data.corpus?.shards.map((s) => path.basename(s))).to.deep.equal(['train-000.tar', 'train-001.tar']);
    const setup = audioV2Recipe.build(config, data);
    const draw = setup.batches as unknown as ((u: number, m: number, rng: Rng) => V2Batch) & { prepare: (u: number) => Promise<void> };
    const lengths: number[] = [];
    // the first length window: 16 batches of 4 from 12 samples read over several epochs
    const draws = setup.batches as unknown as { samples: (u: number, m: number) => { files?: string[] } | undefined };
    for (let u = 0; u < 16; u++) {
      await draw.prepare(u);
      const batch = draw(u, 0, new Rng(u));
      lengths.push(batch.input.shape[1] as number);
      expect(batch.input.shape[0]).to.equal(4);
      // the batch names its four members; the shortest of them (lengths from the keys) is the crop length
      const files = draws.samples(u, 0)?.files ?? [];
      expect(files).to.have.length(4);
      const memberLength = (f: string) => {
        const [, s, k] = /^.*train-00[01]\.tar:utt-(\d)-(\d)\.flac$/.exec(f) ?? expect.fail(`${f} is not a shard member name`);
        return 20000 + 1000 * (Number(s) * 6 + Number(k));
      };
      expect(Math.min(...files.map(memberLength))).to.equal(batch.input.shape[1]);
      expect(files).to.not.include(`${path.join(dir, 'train-001.tar')}:utt-1-2.flac`);
      batch.input.dispose();
    }
    for (const n of lengths) expect(n).to.be.within(20000, 31000);
    // the corrupt member is counted each time it is read and decoded, and its slot filled from the next sample
    const skipped = data.corpus!.skips.skipped;
    expect(skipped.length).to.be.at.least(1);
    expect(new Set(skipped.map((s) => s.file))).to.deep.equal(new Set([`${path.join(dir, 'train-001.tar')}:utt-1-2.flac`]));
    expect(skipped[0].reason).to.contain('utt-1-2.flac is truncated or corrupt');
    const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
    const r = await trainer.run();
    expect(Number.isFinite(r.rows[0].loss)).to.equal(true);
    trainer.dispose();
    setup.objective.dispose();
  });

  it('a NaN update on a streamed folder records the files of its micro-batch, which give its waveforms again', async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-speech-nan-'));
    try {
      const config = audioV1Recipe.config('tiny', { data: root, steps: 3, batchSize: 4, set: { ...MICRO_SET, 'loader.workers': '1' } });
      const data = audioV1Recipe.loadData(config);
      const setup = audioV1Recipe.build(config, data);
      const source = setup.batches as BatchSource<V1Batch>;
      let clean: Float32Array | undefined;
      const poisoned = Object.assign((u: number, m: number) => {
        const b = source(u, m);
        if (u !== 1) return b;
        clean = b.studentInput.dataSync() as Float32Array;
        const bad = tf.tidy(() => tf.mul(b.studentInput, tf.scalar(NaN)));
        b.studentInput.dispose();
        return { ...b, studentInput: bad, teacherInput: bad };
      }, { prepare: source.prepare, samples: source.samples });
      const trainer = new Trainer(setup.objective, poisoned, config.trainer, runDir, config);
      const err = await trainer.run().then(() => undefined, (e: unknown) => e);
      trainer.dispose();
      setup.objective.dispose();
      expect(err).to.be.instanceOf(NonfiniteUpdateError);
      const record = JSON.parse(fs.readFileSync(path.join(runDir, 'nonfinite-update-2.json'), 'utf8'));
      const files: string[] = record.micro_batches[0].samples.files;
      expect(files).to.have.length(4);
      for (const f of files) expect(f.startsWith(root + path.sep) && f.endsWith('.flac')).to.equal(true);
      // the named files, cropped as the stream crops batch position 1, are the batch's waveforms
      const clips = await Promise.all(files.map(async (f) => ({ samples: await decodeAudioFile(f, false), label: 0 })));
      const again = collateAudio(clips, new Rng(`${config.seed}:crop:1`), { maxSampleSize: config.audio.maxSampleSize });
      expect(Array.from(again.waveforms)).to.deep.equal(Array.from(clean!));
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });

  it('refuses an empty folder and a file at another rate naming it, counts an unreadable FLAC against the 1 % limit', () => {
    const empty = path.join(work, 'empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'notes.txt'), 'no audio here\n');
    expect(() => audioV1Recipe.loadData(audioV1Recipe.config('tiny', { data: empty }))).to.throw(`speech folder ${empty} holds no .flac or .wav files`);

    const mixed = path.join(work, 'mixed');
    fs.cpSync(root, mixed, { recursive: true });
    const odd = path.join(mixed, '26', '260', '26-260-0099.flac');
    writeFlac(odd, tone(44100, 300, 22050), 22050);
    expect(() => audioV1Recipe.loadData(audioV1Recipe.config('tiny', { data: mixed }))).to.throw(`${odd} is sampled at 22050 Hz, not 16000; resample the corpus to 16 kHz or pass --resample.`);
    const resampled = audioV1Recipe.loadData(audioV1Recipe.config('tiny', { data: mixed, resample: true }));
    expect(resampled.trainSize + resampled.testSize).to.equal(21);

    fs.rmSync(odd);
    const bad = path.join(mixed, '19', '191', '19-191-0099.flac');
    fs.writeFileSync(bad, 'fLaC but nothing else');
    expect(() => audioV1Recipe.loadData(audioV1Recipe.config('tiny', { data: mixed }))).to.throw(/skipped 1 of 21 files: 1 .*more than the 1\.0 % allowed/);
    const tolerant = audioV1Recipe.loadData(audioV1Recipe.config('tiny', { data: mixed, maxSkipRate: 0.1 }));
    expect(tolerant.trainSize + tolerant.testSize).to.equal(20);
    expect(tolerant.describe).to.match(/skipped 1 of 21 files/);
    expect(() => audioV1Recipe.config('tiny', { maxSkipRate: 2 })).to.throw('--max-skip-rate must be a share from 0 to 1 (0.01 = 1 %), got 2.');
  });
});
