/**
 * data2vec 1.0 on text (spec §3.2–3.3, §4.2, §5.1, traps 14–15): what the teacher
 * encodes in each mode, that the loss is taken at the chosen positions only, and that
 * the embeddings are shared with (not averaged into) the teacher.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../../src/util/rng';
import { collateSequences } from '../../../src/data/text-batch';
import { Data2VecV1, Data2VecV1Config } from '../../../src/data2vec/data2vec-v1';
import { buildTargets } from '../../../src/data2vec/targets';
import { maskedRegressionLoss } from '../../../src/data2vec/losses';
import { BERT_MASK_DEFAULTS } from '../../../src/masking/mask-tokens';
import { TextEncoderV1 } from '../../../src/modalities/text/encoder-v1';
import { TeacherInputMode, maskTextBatch, maskedTextToV1Batch } from '../../../src/modalities/text/masked-batch-v1';
import { Trainer } from '../../../src/train/trainer';
import { SMALL_TEXT_ENCODER, TOY_TOKENIZER, toyRows } from './fixtures';

const CONFIG: Data2VecV1Config = {
  targets: { topK: 2, source: 'ffn', perLayerNorm: 'layer', finalNorm: 'none' },
  loss: { beta: 4, reduction: 'sum', scale: 1 },
  ema: { tauStart: 0.9, tauEnd: 0.95, annealUpdates: 10, shared: ['embeddings'] },
  headLayers: 2,
};

const build = (seed = 0) => new Data2VecV1((rng) => new TextEncoderV1(SMALL_TEXT_ENCODER, rng), CONFIG, new Rng(seed));

function textBatch(teacherInput: TeacherInputMode, lengths = [10, 7, 9, 4], maskProb = 0.3) {
  const padded = collateSequences(toyRows(new Rng(21), lengths), 1);
  const masked = maskTextBatch(padded, TOY_TOKENIZER, { ...BERT_MASK_DEFAULTS, maskProb, lossPositions: 'maskReplaced' }, teacherInput, new Rng(22));
  return { padded, masked, batch: maskedTextToV1Batch(masked) };
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('data2vec 1.0 text', () => {
  it('by default the teacher encodes the unmasked sentence (paper)', () => {
    const model = build();
    const { padded, batch } = textBatch('unmasked');
    const original = tf.tensor2d(padded.tokens, [padded.batchSize, padded.seqLen], 'int32');
    const targets = model.targets(batch);
    const fromOriginal = tf.tidy(() => buildTargets(model.teacher.forward(original).layers, CONFIG.targets));
    const fromStudentInput = tf.tidy(() => buildTargets(model.teacher.forward(batch.studentInput).layers, CONFIG.targets));
    expect(maxDiff(targets, fromOriginal)).to.be.below(1e-6);
    expect(maxDiff(targets, fromStudentInput)).to.be.above(1e-2);
    tf.dispose([original, targets, fromOriginal, fromStudentInput, batch as unknown as tf.TensorContainer]);
    model.dispose();
  });

  it('in released-code mode the teacher encodes only the selected tokens, as one compacted sequence (trap 14)', () => {
    const model = build(1);
    const { padded, masked, batch } = textBatch('selectedOnly', [12, 12, 12], 0.4);
    const targets = model.targets(batch);
    const t = padded.seqLen;
    for (let r = 0; r < padded.batchSize; r++) {
      const positions = Array.from({ length: t }, (_, i) => i).filter((i) => masked.masking.selected.data[r * t + i]);
      expect(positions.length).to.be.at.least(2);
      // fairseq: pads are attention-masked and make_positions counts only real tokens, so the
      // teacher's view equals the selected tokens alone, packed to the left.
      const compact = tf.tensor2d([positions.map((i) => padded.tokens[r * t + i])], [1, positions.length], 'int32');
      const alone = tf.tidy(() => buildTargets(model.teacher.forward(compact).layers, CONFIG.targets));
      const picked = tf.tidy(() => tf.gather(targets.slice([r, 0, 0], [1, t, 16]).reshape([t, 16]), tf.tensor1d(positions, 'int32')));
      expect(maxDiff(picked, alone.reshape([positions.length, 16]))).to.be.below(1e-4);
      tf.dispose([compact, alone, picked]);
    }
    tf.dispose([targets, batch as unknown as tf.TensorContainer]);
    model.dispose();
  });

  it('the loss averages over the <mask>-replaced positions only (trap 15), never padding', () => {
    const model = build(2).eval();
    const { masked, batch } = textBatch('unmasked', [16, 16, 16, 5]);
    for (let i = 0; i < masked.lossMask.length; i++) if (masked.paddingMask[i]) expect(masked.lossMask[i]).to.equal(0);
    const prepared = model.prepare(batch);
    const loss = tf.tidy(() => model.loss(batch, prepared).loss.dataSync()[0]);
    // by hand: smooth L1 (β 4) summed over dims at loss positions, averaged over their count
    const pred = model.predict(batch);
    const p = pred.arraySync() as number[][][];
    const y = prepared.targets.arraySync() as number[][][];
    const t = masked.seqLen;
    let sum = 0;
    let count = 0;
    masked.lossMask.forEach((m, i) => {
      if (!m) return;
      const [r, c] = [Math.floor(i / t), i % t];
      for (let d = 0; d < 16; d++) {
        const a = Math.abs(p[r][c][d] - y[r][c][d]);
        sum += a < 4 ? (0.5 * a * a) / 4 : a - 2;
      }
      count++;
    });
    expect(count).to.equal(masked.masking.maskReplaced.data.reduce((s, v) => s + v, 0));
    expect(loss).to.be.closeTo(sum / count, 1e-5);
    // the same predictions scored at every selected position give a different number
    const selected = tf.tensor2d(Float32Array.from(masked.masking.selected.data), [masked.batchSize, t]);
    const atSelected = tf.tidy(() => maskedRegressionLoss(pred, prepared.targets, selected, CONFIG.loss).dataSync()[0]);
    expect(Math.abs(atSelected - loss)).to.be.above(1e-4);
    tf.dispose([pred, selected, ...Object.values(prepared), batch as unknown as tf.TensorContainer]);
    model.dispose();
  });

  it('after EMA steps the teacher shares the embeddings exactly and averages the blocks', async () => {
    const model = build(3);
    expect(model.ema.sharedNames.sort()).to.deep.equal([
      'embeddings.LayerNorm.bias', 'embeddings.LayerNorm.weight', 'embeddings.position_embeddings.weight', 'embeddings.word_embeddings.weight',
    ]);
    const teacher0 = new Map(model.teacher.namedParameters().map(([n, v]) => [n, Array.from(v.dataSync())]));
    const trainer = new Trainer(model, () => textBatch('unmasked').batch, {
      updates: 3, batchSize: 4, accumulation: 1, optimizer: { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, epsStyle: 'fairseq' },
      schedule: { kind: 'constant', lr: 1e-2 }, clipNorm: 5, seed: 0, checkpointEvery: 0,
      collapse: { minTargetVar: 0, minPredVar: 0, afterUpdates: 1e9 },
    });
    for (let i = 0; i < 3; i++) await trainer.step();
    const student = new Map(model.encoder.namedParameters().map(([n, v]) => [n, Array.from(v.dataSync())]));
    for (const [name, v] of model.teacher.namedParameters()) {
      const values = Array.from(v.dataSync());
      if (name.startsWith('embeddings.')) {
        expect(values, name).to.deep.equal(student.get(name));
        expect(values, name).to.not.deep.equal(teacher0.get(name));
      } else if (name.endsWith('.weight') && name.includes('fc1')) {
        expect(values, name).to.not.deep.equal(student.get(name));
        expect(values, name).to.not.deep.equal(teacher0.get(name));
      }
    }
    trainer.dispose();
    model.dispose();
  });

  it('with subtractPositionMean the teacher targets have zero mean over the batch at every position, padding left out', () => {
    const centred = new Data2VecV1((rng) => new TextEncoderV1(SMALL_TEXT_ENCODER, rng), { ...CONFIG, targets: { ...CONFIG.targets, subtractPositionMean: true } }, new Rng(0));
    const plain = build(0);
    const { batch } = textBatch('unmasked');
    const [y, y0] = [centred.targets(batch), plain.targets(batch)];
    const real = tf.sub(1, batch.padMask!).expandDims(-1);
    const sums = tf.sum(tf.mul(y, real), 0);
    expect(tf.max(tf.abs(sums)).dataSync()[0]).to.be.below(1e-4);
    // the plain targets do have a per-position mean, so the option changed something
    expect(tf.max(tf.abs(tf.sum(tf.mul(y0, real), 0))).dataSync()[0]).to.be.above(0.1);
    tf.dispose([y, y0, real, sums, batch as unknown as tf.TensorContainer]);
    centred.dispose();
    plain.dispose();
  });
});

