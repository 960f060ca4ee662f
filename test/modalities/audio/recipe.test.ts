/**
 * The speech data2vec 1.0 recipe (spec §2.1): size-ordered batches, the batch
 * source (crop to the shortest clip, span masks with equal counts on the
 * frame grid, determinism), the data description with skipped files, and the
 * `pretrain()` / `await probe()` path the CLI uses.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { expectRejection } from '../../helpers/rejects';
import { Rng } from '../../../src/util/rng';
import { audioBatchPlan, lengthSortedEpoch } from '../../../src/modalities/audio/length-batches';
import { audioV1Recipe, loadAudioData } from '../../../src/modalities/audio/recipe-v1';
import { AUDIO_V1_PRESETS } from '../../../src/modalities/audio/presets-v1';
import { getRecipe } from '../../../src/modalities/registry';
import { V1Batch } from '../../../src/data2vec/data2vec-v1';
import { collateAudio } from '../../../src/data/audio-batch';
import { pretrain } from '../../../src/run/pretrain';
import { probe } from '../../../src/run/probe';
import { featureExtractOutputLength } from '../../../src/modalities/audio/feature-extractor';
import { MICRO_SET, microAudioConfig, writeSubsetManifest } from './micro-audio';

describe('audio recipe: size-ordered batches', () => {
  const lengths = Array.from({ length: 103 }, (_, i) => 1000 + ((i * 37) % 103) * 10);

  it('each epoch cuts the length order into batches of equal size, drops n mod B clips, and differs by epoch', async () => {
    const epochA = lengthSortedEpoch(lengths, 10, new Rng('a'));
    expect(epochA.length).to.equal(10);
    const used = epochA.flat();
    expect(new Set(used).size).to.equal(100);
    for (const batch of epochA) {
      expect(batch.length).to.equal(10);
      const ls = batch.map((i) => lengths[i]);
      // consecutive in length order: 10 distinct lengths spaced 10 apart span exactly 90
      expect(Math.max(...ls) - Math.min(...ls)).to.equal(90);
    }
    const epochB = lengthSortedEpoch(lengths, 10, new Rng('b'));
    expect(JSON.stringify(epochB)).to.not.equal(JSON.stringify(epochA));
    expect(JSON.stringify(lengthSortedEpoch(lengths, 10, new Rng('a')))).to.equal(JSON.stringify(epochA));
  });

  it('a plan maps a global batch position to the same clips every time, epoch after epoch', async () => {
    const plan = audioBatchPlan(lengths, 10, 'by-length', 7);
    const again = audioBatchPlan(lengths, 10, 'by-length', 7);
    const seen = Array.from({ length: 25 }, (_, p) => plan(p));
    expect(Array.from({ length: 25 }, (_, p) => again(p))).to.deep.equal(seen);
    expect(new Set(seen.slice(0, 10).flat()).size).to.equal(100);
    expect(plan(3)).to.deep.equal(seen[3]);
    const random = audioBatchPlan(lengths, 10, 'random', 7);
    expect(random(0).length).to.equal(10);
    expect(random(0)).to.not.deep.equal(seen[0]);
  });

  it('says what to do when the split has fewer clips than a batch', async () => {
    expect(() => lengthSortedEpoch([1, 2, 3], 4, new Rng(0))).to.throw('the training split has 3 clips, fewer than the batch size 4; lower --batch-size to at most 3.');
    expect(() => audioBatchPlan([1, 2, 3], 4, 'by-length', 0)(0)).to.throw('fewer than the batch size 4');
  });
});

describe('audio recipe: data and batches', () => {
  it('describes the bundled set, and names the skipped files when some are bad', async () => {
    const config = microAudioConfig();
    const data = loadAudioData(config);
    expect(data.describe).to.match(/^speech clips from .*spoken-digits: 360 train \/ 120 test \(split by manifest\), 10 labels, 0\.22–0\.86 s$/);
    const dir = writeSubsetManifest({ train: 12, test: 4 }, ['broken.wav,zero,v-x,train', 'missing.wav,one,v-x,train']);
    fs.writeFileSync(path.join(dir, 'broken.wav'), 'not audio at all');
    const withBad = loadAudioData({ ...config, data: dir });
    expect(withBad.describe).to.match(/12 train \/ 4 test .*; skipped 2 of 18 files: 1 not a WAV file, 1 unreadable$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('batches are cropped to the shortest clip, masked on its frame grid with equal counts per row, and reproducible', async () => {
    const config = microAudioConfig({ batchSize: 6 });
    const data = loadAudioData(config);
    const setup = audioV1Recipe.build(config, data);
    const batches = setup.batches as (update: number, micro: number) => V1Batch;
    const batch = batches(3, 0);
    // the source reports the clips it drew, which with the micro-batch's generator give the waveforms again
    const drawn = setup.batches.samples!(3, 0)!;
    const clips = (drawn.clips as number[]).map((i) => data.dataset.train[i]);
    expect(drawn.files).to.deep.equal(clips.map((c) => c.file));
    const collated = collateAudio(clips, new Rng(`${config.seed}:batch:3:0`), { maxSampleSize: config.audio.maxSampleSize });
    expect(Array.from(collated.waveforms)).to.deep.equal(Array.from(batch.studentInput.dataSync()));
    const [b, samples] = batch.studentInput.shape;
    expect(b).to.equal(6);
    expect(batch.teacherInput).to.equal(batch.studentInput);
    const frames = featureExtractOutputLength(samples);
    expect(batch.mask!.shape).to.deep.equal([6, frames]);
    const counts = tf.tidy(() => Array.from(tf.sum(batch.mask!, 1).dataSync()));
    expect(new Set(counts).size).to.equal(1);
    expect(counts[0]).to.be.greaterThan(0).and.lessThan(frames);
    const again = batches(3, 0);
    expect(Array.from(again.studentInput.dataSync())).to.deep.equal(Array.from(batch.studentInput.dataSync()));
    expect(Array.from(again.mask!.dataSync())).to.deep.equal(Array.from(batch.mask!.dataSync()));
    const other = batches(4, 0);
    expect(Array.from(other.mask!.dataSync())).to.not.deep.equal(Array.from(batch.mask!.dataSync()));
    tf.dispose([batch.studentInput, batch.mask!, again.studentInput, again.mask!, other.studentInput, other.mask!]);
    setup.objective.dispose();
  });

  it('is registered for the CLI with tiny, small and base presets and applies overrides', async () => {
    const recipe = getRecipe('audio', 'v1');
    expect(recipe).to.equal(audioV1Recipe);
    expect([...recipe.presets]).to.deep.equal(['tiny', 'small', 'base']);
    const c = audioV1Recipe.config('tiny', { steps: 30 });
    expect(c.trainer.updates).to.equal(30);
    expect(c.data2vec.ema.annealUpdates).to.equal(Math.max(1, Math.round((AUDIO_V1_PRESETS.tiny().data2vec.ema.annealUpdates * 30) / AUDIO_V1_PRESETS.tiny().trainer.updates)));
    expect(c.trainer.optimizer).to.deep.equal({ betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, epsStyle: 'fairseq' });
    expect(() => audioV1Recipe.config('huge')).to.throw('--preset "huge" is not a audio v1 preset; choose one of tiny, small, base.');
  });
});

describe('audio recipe: pretrain() and await probe()', () => {
  it('pretrains a few updates into a run folder, then probes it and the same encoder at random init', async function () {
    this.timeout(300_000);
    const data = writeSubsetManifest({ train: 24, test: 10 });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-audio-run-'));
    const summary = await pretrain({
      modality: 'audio', preset: 'tiny', out, report: false,
      overrides: { steps: 2, batchSize: 4, data, set: MICRO_SET },
    });
    expect(summary).to.include({ modality: 'audio', algo: 'v1', preset: 'tiny', steps: 2, stopped: false });
    expect(Number.isFinite(summary.loss_last)).to.equal(true);
    expect(fs.existsSync(path.join(out, 'config.json'))).to.equal(true);
    const MICRO_DEPTH = Number(MICRO_SET['model.depth']);
    const trained = await probe({ run: out, knnK: 3, layers: 'all' });
    // speech is probed on the means of 3 time segments: 3 × 32 features
    expect(trained).to.include({ source: 'pretrained', modality: 'audio', n_train: 24, n_test: 10, dim: 96, segments: 3 });
    expect(trained.accuracy).to.be.within(0, 1);
    // one entry per block, then the final output, which is what the default probe reads
    expect(trained.layers!.map((l) => l.layer)).to.deep.equal([...Array.from({ length: MICRO_DEPTH }, (_, i) => i + 1), 'final']);
    expect(trained.layers![MICRO_DEPTH].accuracy).to.equal(trained.accuracy);
    const random = await probe({ randomInit: true, modality: 'audio', preset: 'tiny', overrides: { data, set: MICRO_SET }, knnK: 3 });
    expect(random).to.include({ source: 'random-init', n_train: 24, n_test: 10, dim: 96 });
    await expectRejection(probe({ raw: true, modality: 'audio', preset: 'tiny', overrides: { data } }), '--raw is not available for audio');
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(data, { recursive: true, force: true });
  });
});
