/**
 * The speech fine-tuning recipe (spec §6 "Fine-tuning recipes", speech; spec §1.2
 * `feature_grad_mult: 0.0`): the CNN feature encoder of both speech encoders stays
 * bit for bit at its starting weights while everything above it moves; time masking
 * hides the fraction of frames fairseq's `compute_mask_indices` gives, and hidden
 * frames really are hidden (a clip whose every frame is masked encodes to the same
 * outputs whatever its audio); the speech defaults (frozen CNN, whole clips, no
 * encoder dropout, 3 time-segment means, batch norm before the head) reach config.json
 * and the report.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { getRecipe } from '../../src/modalities/registry';
import { Classifier } from '../../src/finetune/classifier';
import { ClassificationObjective, FinetuneBatch } from '../../src/finetune/objective';
import { smoothedTargets } from '../../src/finetune/label-smoothing';
import { SPEECH_FEATURE_ENCODER, finetune } from '../../src/finetune/finetune';
import { FINETUNE_DEFAULTS, finetuneSettings } from '../../src/finetune/settings';
import { drawTimeMask, maskedSpeechForward } from '../../src/masking/time-mask';
import { Trainer } from '../../src/train/trainer';
import { Rng } from '../../src/util/rng';

/** Exact expected masked fraction of `compute_mask_indices` with `n` spans of `len` over `t` frames (starts without replacement from t − len). */
function expectedFraction(t: number, n: number, len: number): number {
  const starts = t - len;
  // log C(a, n) − log C(starts, n) for P(no chosen start covers the frame)
  const logChoose = (a: number, k: number) => { let s = 0; for (let i = 0; i < k; i++) s += Math.log(a - i) - Math.log(k - i); return s; };
  let covered = 0;
  for (let f = 0; f < t; f++) {
    const covering = Math.min(f, starts - 1) - Math.max(0, f - len + 1) + 1;
    covered += 1 - (starts - covering >= n ? Math.exp(logChoose(starts - covering, n) - logChoose(starts, n)) : 0);
  }
  return covered / t;
}

describe('speech fine-tuning recipe', function () {
  this.timeout(300000);

  for (const algo of ['v1', 'v2']) {
    it(`${algo}: the frozen CNN feature encoder gets no update while the layers above it change`, async () => {
      const recipe = getRecipe('audio', algo);
      const config = recipe.config('tiny');
      const data = recipe.loadData(config);
      const setup = recipe.build(config, data);
      const split = recipe.labelledSplit!(config, data, 'train');
      const model = new Classifier(setup.encoder, (config.model as { dim: number }).dim, data.numClasses, new Rng(1));
      const cnnNames = model.namedParameters().map(([n]) => n).filter((n) => SPEECH_FEATURE_ENCODER.some((p) => n.startsWith(p)));
      expect(cnnNames.length).to.be.greaterThan(3);
      expect(model.freezeParameters(SPEECH_FEATURE_ENCODER)).to.equal(cnnNames.length);
      const objective = new ClassificationObjective(model, split, async () => ({}));
      const batches = (update: number): FinetuneBatch => {
        const idx = [4 * update, 4 * update + 1, 4 * update + 2, 4 * update + 3];
        return { input: split.batch(idx, new Rng(update)), targets: smoothedTargets(Int32Array.from(idx, (i) => split.labels[i]), data.numClasses, 0.1) };
      };
      const trainer = new Trainer(objective, batches, {
        updates: 3, batchSize: 4, accumulation: 1, optimizer: { weightDecay: 0.05 }, schedule: { kind: 'constant', lr: 1e-2 },
        clipNorm: 0, seed: 0, checkpointEvery: 0, collapse: { minTargetVar: 0, minPredVar: 0, afterUpdates: 3 },
      });
      const snapshot = () => new Map(model.namedParameters().map(([n, v]) => [n, Array.from(v.dataSync())]));
      const before = snapshot();
      for (let i = 0; i < 3; i++) await trainer.step();
      const after = snapshot();
      const moved = [...before].filter(([n, v]) => v.some((x, i) => x !== after.get(n)![i])).map(([n]) => n);
      expect(moved.filter((n) => cnnNames.includes(n))).to.deep.equal([]);
      const blocks = moved.filter((n) => /layers\.\d+\./.test(n));
      expect(blocks.length).to.be.greaterThan(20);
      expect(moved).to.include('head.weight');
      trainer.dispose();
      model.disposeHead();
      setup.objective.dispose();
    });

    it(`${algo}: a clip whose every frame is masked encodes the same whatever its audio`, () => {
      const recipe = getRecipe('audio', algo);
      const config = recipe.config('tiny');
      const data = recipe.loadData(config);
      const setup = recipe.build(config, data);
      setup.encoder.eval();
      const rng = new Rng(3);
      const a = tf.tensor2d(Float32Array.from({ length: 4000 }, () => rng.normal()), [1, 4000]);
      const b = tf.tensor2d(Float32Array.from({ length: 4000 }, () => rng.normal()), [1, 4000]);
      const split = recipe.labelledSplit!(config, data, 'train');
      const frames = split.frames!(setup.encoder, { input: a });
      const all = tf.ones([1, frames]);
      const none = tf.zeros([1, frames]);
      const diff = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0];
      expect(diff(maskedSpeechForward(setup.encoder, a, all), maskedSpeechForward(setup.encoder, b, all))).to.be.below(1e-5);
      expect(diff(maskedSpeechForward(setup.encoder, a, none), maskedSpeechForward(setup.encoder, b, none))).to.be.above(1e-2);
      tf.dispose([a, b, all, none]);
      setup.objective.dispose();
    });
  }

  it('time masking hides the fraction compute_mask_indices gives (about 49 % at p 0.65 × 10 frames, P1 §4.2)', () => {
    for (const [prob, length, t] of [[0.65, 10, 400], [0.45, 4, 240]]) {
      const rng = new Rng(`time-mask:${prob}`);
      let sum = 0;
      const rows = 300;
      for (let k = 0; k < rows; k++) {
        const m = drawTimeMask(1, t, { prob, length }, rng);
        const v = m.dataSync();
        expect(v.every((x) => x === 0 || x === 1)).to.equal(true);
        for (const x of v) sum += x;
        m.dispose();
      }
      // In a batch every row keeps the same number of masked frames (require_same_masks).
      const batch = drawTimeMask(8, t, { prob, length }, rng);
      const counts = (batch.sum(1).arraySync() as number[]);
      expect(new Set(counts).size).to.equal(1);
      batch.dispose();
      const n = Math.trunc((prob * t) / length); // plus one with probability frac(prob·t/length), 0 here
      expect((prob * t) / length - n).to.be.below(1e-9);
      const expected = expectedFraction(t, n, length);
      expect(sum / (rows * t)).to.be.closeTo(expected, 0.01);
      if (prob === 0.65) expect(expected).to.be.closeTo(0.49, 0.02);
    }
  });

  it('the speech defaults reach config.json and the report; speech-only settings are refused for images', async () => {
    const d = FINETUNE_DEFAULTS.audio;
    expect(d.freezeFeatureEncoder).to.equal(true);
    expect(d.batching).to.equal('random');
    expect(d.wholeClips).to.equal(true);
    expect(d.encoderDropout).to.equal(0);
    expect(d.headInit).to.equal('probe');
    expect(d.segments).to.equal(3);
    expect(d.headNorm).to.equal('batch');
    expect(() => finetuneSettings('image', { timeMask: { prob: 0.3, length: 2 } })).to.throw(/speech only/);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-ft-speech-')), 'run');
    const s = await finetune({ randomInit: true, modality: 'audio', algo: 'v2', preset: 'tiny', out, settings: { updates: 2, batchSize: 4, maxTrain: 8, maxTest: 2, evalEvery: 2 } });
    expect(s.updates).to.equal(2);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    for (const key of ['freezeFeatureEncoder', 'timeMask', 'batching', 'wholeClips', 'encoderDropout', 'headInit', 'segments', 'headNorm', 'schedule', 'encoderLrScale', 'lr', 'layerDecay'] as const) {
      expect(config.settings[key], key).to.deep.equal(d[key]);
    }
    const report = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(report).to.include('CNN feature encoder frozen');
    expect(report).to.include('mean pooling over 3 time segments');
    expect(report).to.include('batch norm before the head');
    expect(report).to.include('whole clips encoded one at a time');
    expect(report).to.include('head started from a linear probe');
    // A time mask asked for reaches config.json too.
    const masked = await finetune({ randomInit: true, modality: 'audio', algo: 'v1', preset: 'tiny', out: out + '-masked', report: false, settings: { updates: 1, batchSize: 4, maxTrain: 4, maxTest: 1, evalEvery: 1, timeMask: { prob: 0.3, length: 2 } } });
    expect(masked.config.settings.timeMask).to.deep.equal({ prob: 0.3, length: 2 });
  });
});
