/**
 * The masked-language-model control (src/modalities/text/masked-lm.ts,
 * src/train/masked-token-loss.ts, src/nn/lm-head.ts): the loss against a hand
 * computation, only masked positions counting, gradients against finite differences
 * through the tied output layer, the same encoder init as data2vec 1.0, and a fixed
 * batch overfit.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../../src/util/rng';
import { collateSequences } from '../../../src/data/text-batch';
import { BERT_MASK_DEFAULTS } from '../../../src/masking/mask-tokens';
import { maskTextBatch, maskedTextToV1Batch } from '../../../src/modalities/text/masked-batch-v1';
import { MaskedLanguageModel } from '../../../src/modalities/text/masked-lm';
import { maskedTokenCrossEntropy } from '../../../src/train/masked-token-loss';
import { Trainer } from '../../../src/train/trainer';
import { textV1Recipe } from '../../../src/modalities/text/recipe-v1';
import { TextV1Config } from '../../../src/modalities/text/presets-v1';
import { gradCheck } from '../../helpers/gradcheck';
import { SMALL_TEXT_ENCODER, TOY_TOKENIZER, toyRows } from './fixtures';

const SMALL = { model: SMALL_TEXT_ENCODER, teacherInput: 'unmasked' as const, seed: 0 };

function toyBatch(lengths = [10, 7, 9, 4], seed = 22) {
  const padded = collateSequences(toyRows(new Rng(21), lengths), 1);
  const masked = maskTextBatch(padded, TOY_TOKENIZER, { ...BERT_MASK_DEFAULTS, maskProb: 0.3, lossPositions: 'selected' }, 'unmasked', new Rng(seed));
  return { masked, batch: maskedTextToV1Batch(masked) };
}

describe('masked language model (control)', () => {
  it('the loss is the mean of −log softmax at the true id over masked positions, exactly as computed by hand', () => {
    const logits = [[[2, 0, -1], [0.5, 0.5, 0]], [[1, 3, 0], [0, 0, 4]]];
    const ids = [[0, 2], [1, 1]];
    const mask = [[1, 0], [1, 1]];
    const r = maskedTokenCrossEntropy(tf.tensor3d(logits), tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask));
    let total = 0;
    let hits = 0;
    for (const [b, t] of [[0, 0], [1, 0], [1, 1]]) {
      const row = logits[b][t];
      const logZ = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      total += logZ - row[ids[b][t]];
      hits += row.indexOf(Math.max(...row)) === ids[b][t] ? 1 : 0;
    }
    expect(r.loss.dataSync()[0]).to.be.closeTo(total / 3, 1e-5);
    expect(r.accuracy.dataSync()[0]).to.be.closeTo(hits / 3, 1e-7);
    expect(hits).to.equal(2);
  });

  it('positions outside the mask change neither the loss nor receive any gradient; an empty mask gives 0', () => {
    const rng = new Rng(3);
    const logits = tf.tensor3d(rng.normalArray(2 * 5 * 7, 1), [2, 5, 7]);
    const ids = tf.tensor2d([[1, 2, 3, 4, 5], [6, 0, 1, 2, 3]], undefined, 'int32');
    const mask = tf.tensor2d([[0, 1, 0, 0, 1], [1, 0, 0, 0, 0]]);
    const loss = (x: tf.Tensor) => maskedTokenCrossEntropy(x, ids, mask).loss;
    const keep = tf.tensor3d(Array.from({ length: 10 }, (_, i) => [0, 1, 0, 0, 1, 1, 0, 0, 0, 0][i]).flatMap((m) => Array(7).fill(m)), [2, 5, 7]);
    const disturbed = tf.add(logits, tf.mul(tf.sub(1, keep), tf.randomNormal([2, 5, 7], 0, 5, 'float32', 1)));
    expect(loss(disturbed).dataSync()[0]).to.be.closeTo(loss(logits).dataSync()[0], 1e-6);
    const g = tf.grad(loss)(logits).arraySync() as number[][][];
    const m = mask.arraySync() as number[][];
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 5; t++) {
        const norm = Math.hypot(...g[b][t]);
        if (m[b][t]) expect(norm, `(${b}, ${t})`).to.be.greaterThan(1e-3);
        else expect(norm, `(${b}, ${t})`).to.equal(0);
      }
    }
    expect(maskedTokenCrossEntropy(logits, ids, tf.zerosLike(mask)).loss.dataSync()[0]).to.equal(0);
    expect(() => maskedTokenCrossEntropy(logits, ids, tf.zeros([2, 4]))).to.throw(/lossMask of shape \[2,5\]/);
  });

  it('gradients of the whole objective (encoder, LM head, tied embeddings) match finite differences', () => {
    const mlm = new MaskedLanguageModel(SMALL, new Rng(5));
    mlm.eval();
    const { batch } = toyBatch();
    const params = mlm.namedTrainableParameters().filter(([n]) => /word_embeddings|lm_head|layers\.2\.mlp\.fc2|position_embeddings/.test(n));
    expect(params.map(([n]) => n)).to.include.members(['encoder.embeddings.word_embeddings.weight', 'lm_head.bias', 'lm_head.dense.weight']);
    const r = gradCheck(() => mlm.loss(batch).loss, params, { eps: 1e-2, perTensor: 6 });
    expect(r.worst, r.where).to.be.lessThan(2e-2);
    tf.dispose(batch as unknown as tf.TensorContainer);
    mlm.dispose();
  });

  it('the tied output layer reads the token table itself: a change of one embedding row moves that id\'s logit', () => {
    const mlm = new MaskedLanguageModel(SMALL, new Rng(5));
    mlm.eval();
    const { batch } = toyBatch();
    const before = mlm.logits(batch).arraySync() as number[][][];
    const inputIds = new Set(Array.from(batch.studentInput.dataSync()));
    const absent = Array.from({ length: 45 }, (_, i) => 4 + i).find((id) => !inputIds.has(id))!;
    expect(absent).to.be.a('number');
    const other = absent === 4 ? 5 : 4;
    const table = mlm.encoder.embeddings.wordEmbeddings.weight;
    const rows = table.arraySync() as number[][];
    rows[absent] = rows[absent].map((v, i) => v + (i % 3 === 0 ? 1 : -0.3));
    table.assign(tf.tensor2d(rows));
    const after = mlm.logits(batch).arraySync() as number[][][];
    // the encoder's output is unchanged (the id is not in the input), so only that id's logit column moves
    expect(after[0][1][other]).to.be.closeTo(before[0][1][other], 1e-5);
    expect(Math.abs(after[0][1][absent] - before[0][1][absent])).to.be.greaterThan(1e-3);
    tf.dispose(batch as unknown as tf.TensorContainer);
    mlm.dispose();
  });

  it('starts from exactly the encoder data2vec 1.0 and the random-init probe start from (same seed)', () => {
    const config = textV1Recipe.config('tiny', { seed: 3, set: { 'model.depth': '1', 'model.dim': '32', 'model.heads': '2', 'data2vec.targets.topK': '1' } }) as TextV1Config;
    const d2v = textV1Recipe.model(config);
    const mlm = new MaskedLanguageModel(config);
    const theirs = new Map(d2v.encoder.namedParameters().map(([n, v]) => [n, v]));
    const ours = mlm.encoder.namedParameters();
    expect(ours.map(([n]) => n)).to.deep.equal([...theirs.keys()]);
    for (const [n, v] of ours) expect(tf.util.arraysEqual(v.dataSync(), theirs.get(n)!.dataSync()), n).to.equal(true);
    d2v.dispose();
    mlm.dispose();
  });

  it('refuses a teacher input other than the original sentence', () => {
    expect(() => new MaskedLanguageModel({ ...SMALL, teacherInput: 'selectedOnly' })).to.throw(/teacherInput must be "unmasked"/);
  });

  it('overfits one fixed batch: masked-token loss falls from ~log(vocab) to under a fifth of it', async () => {
    const mlm = new MaskedLanguageModel({ ...SMALL, model: { ...SMALL_TEXT_ENCODER, dropout: 0, attnDropout: 0 } }, new Rng(7));
    const { masked } = toyBatch([12, 12, 12, 12], 9);
    const trainer = new Trainer(mlm, () => maskedTextToV1Batch(masked), {
      updates: 60, batchSize: 4, accumulation: 1, optimizer: { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0, epsStyle: 'fairseq' },
      schedule: { kind: 'constant', lr: 1e-2 }, clipNorm: 5, seed: 0, checkpointEvery: 0,
      collapse: { minTargetVar: 0, minPredVar: 0, afterUpdates: 1e9 },
    });
    const { rows } = await trainer.run();
    expect(rows[0].loss).to.be.closeTo(Math.log(50), 0.5);
    expect(rows[59].loss).to.be.lessThan(rows[0].loss / 5);
    expect(rows[59].mlm_accuracy as number).to.be.greaterThan(0.9);
    trainer.dispose();
    mlm.dispose();
  });
});
