/**
 * The text data2vec 2.0 recipe (spec §1.4 "v2", §2.5–2.6, §3.2, §4.2, §5.2–5.3, §6,
 * traps 9–11, 26, 28): presets against the reference, exact per-row mask counts with
 * padding never masked, kept-token encoding, restore order, targets lined up with the
 * clones and normalised over real tokens only, loss scale 1, what the teacher holds,
 * gradients on wasm and cpu, and a short run whose loss falls without collapse.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { shortRun } from '../../helpers/short-run';
import { Rng } from '../../../src/util/rng';
import { getRecipe } from '../../../src/modalities/registry';
import { textV2Recipe, buildTextV2, checkTextV2Config } from '../../../src/modalities/text/recipe-v2';
import { maskedTextV2Batch } from '../../../src/modalities/text/batches';
import { TEXT_V2_PRESETS, TextV2Config } from '../../../src/modalities/text/presets-v2';
import { textMaskCount, textRandomMasks } from '../../../src/modalities/text/random-mask-v2';
import { randomMask } from '../../../src/masking/random-mask';
import { maskedCounts } from '../../../src/masking/mask-batch';
import { V2Batch } from '../../../src/data2vec/data2vec-v2';
import { gatherTokens, repeatInterleave, restoreTokens } from '../../../src/nn/gather-tokens';
import { collateSequences } from '../../../src/data/text-batch';
import { gradCheck } from '../../helpers/gradcheck';
import { TRAINING_BACKENDS, withBackend } from '../../helpers/backends';
import { toyRows } from './fixtures';

/** A 50-id, 16-wide, 2-block config with the tiny preset's method settings. */
function toyConfig(overrides: { dropout?: number; noise?: number; clones?: number } = {}): TextV2Config {
  const c = TEXT_V2_PRESETS.tiny();
  const p = overrides.dropout ?? 0.1;
  c.model = { ...c.model, vocabSize: 50, dim: 16, heads: 2, depth: 2, maxPositions: 20, embedDropout: p, dropout: p, attnDropout: p, postMlpDropout: p };
  c.decoder = { ...c.decoder, dim: 8, layers: 2 };
  c.data2vec = { ...c.data2vec, clones: overrides.clones ?? 3, targets: { ...c.data2vec.targets, topK: 2 }, decoderInputDropout: p, maskNoiseStd: overrides.noise ?? 0.01 };
  return c;
}

/** A padded batch of toy glosses with `clones` masks per row. */
function toyBatch(lengths: number[], clones: number, seed: string): V2Batch {
  const rows = toyRows(new Rng(seed), lengths);
  return maskedTextV2Batch(collateSequences(rows, 1), clones, 0.48, new Rng('0:batch:0:0'));
}

const sumAll = (t: tf.Tensor) => t.sum().dataSync()[0];

describe('text v2 presets (spec §1.4, §5.3, §6)', () => {
  it('base is the reference: 768 × 12 blocks, 12 heads, 512-token blocks, decoder 768 × 5 (kernel 9, groups 1, no residual, 2-layer projection), 8 clones, mask 0.48', () => {
    const c = TEXT_V2_PRESETS.base();
    expect([c.model.dim, c.model.heads, c.model.depth, c.model.mlpRatio, c.model.maxPositions, c.model.eps]).to.deep.equal([768, 12, 12, 4, 512, 1e-5]);
    expect([c.model.embedDropout, c.model.dropout, c.model.attnDropout, c.model.postMlpDropout, c.model.activationDropout]).to.deep.equal([0.1, 0.1, 0.1, 0.1, 0]);
    expect(c.tokenizer.name).to.equal('gpt2');
    expect(c.sequences).to.deep.equal({ packing: 'blocks', maxLength: 512 });
    expect(c.decoder).to.deep.equal({ dim: 768, kernel: 9, layers: 5, groups: 1, residual: false, projectionLayers: 2 });
    expect(c.masking.maskProb).to.equal(0.48);
    expect(textMaskCount(512, 0.48)).to.equal(512 - 266);
    const d = c.data2vec;
    expect([d.clones, d.clsLoss, d.maskNoiseStd, d.decoderInputDropout, d.teacherInput]).to.deep.equal([8, 0, 0.01, 0.1, 'studentContext']);
    expect(d.targets).to.deep.equal({ topK: 12, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'none', subtractPositionMean: false });
    expect(d.loss).to.deep.equal({ beta: 0, reduction: 'sum', scale: 1 });
    expect(d.ema).to.deep.equal({ tauStart: 0.9999, tauEnd: 0.99999, annealUpdates: 100_000, shared: ['modality_encoder'] });
    expect(c.trainer.optimizer).to.deep.equal({ betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, epsStyle: 'fairseq' });
    expect([c.trainer.clipNorm, c.trainer.decayAll, c.trainer.batchSize * c.trainer.accumulation]).to.deep.equal([1, undefined, 64]);
    expect(c.trainer.schedule).to.include({ kind: 'cosine', peakLr: 2e-4, warmupUpdates: 4000, totalUpdates: 1_000_000 });
    expect(JSON.parse(JSON.stringify(c))).to.deep.equal(c);
  });

  it('tiny has the v1 tiny encoder (4 × 128, 4 heads, 4,096 ids, glosses up to 64 tokens, 240 updates); registers as text/v2', () => {
    const c = TEXT_V2_PRESETS.tiny();
    expect([c.model.dim, c.model.depth, c.model.heads, c.model.vocabSize, c.sequences.maxLength, c.trainer.updates]).to.deep.equal([128, 4, 4, 4096, 64, 240]);
    expect(getRecipe('text', 'v2')).to.equal(textV2Recipe);
    const o = textV2Recipe.config('tiny', { steps: 120, seed: 3 });
    expect([o.trainer.updates, o.data2vec.ema.annealUpdates, o.seed]).to.deep.equal([120, 120, 3]);
    expect(() => textV2Recipe.config('huge')).to.throw(/not a text v2 preset/);
  });

  it('rejects a config that disagrees with the tokenizer, or a mask probability outside (0, 1), with one sentence', () => {
    const c = TEXT_V2_PRESETS.tiny();
    const data = textV2Recipe.loadData(c);
    expect(() => checkTextV2Config(c, data)).to.not.throw();
    expect(() => checkTextV2Config({ ...c, model: { ...c.model, vocabSize: 5000 } }, data)).to.throw('model.vocabSize is 5000 but the wordnet-bpe tokenizer has 4096 ids');
    expect(() => checkTextV2Config({ ...c, masking: { maskProb: 1 } }, data)).to.throw('masking.maskProb is 1; it must be between 0 and 1 (0.48 in the reference).');
  });
});

describe('text v2 masking (spec §2.6, traps 11, 26)', () => {
  it('masks exactly Lmin − int(0.52·Lmin) real tokens in every row and clone, never padding', () => {
    const lengths = [12, 9, 15, 10];
    const padded = collateSequences(toyRows(new Rng(1), lengths), 1);
    const m = textRandomMasks(padded.paddingMask, { batch: 4, seqLen: padded.seqLen }, 5, 0.48, new Rng(2));
    const n = 9 - Math.trunc(9 * 0.52);
    expect(n).to.equal(5);
    expect(maskedCounts(m.mask)).to.deep.equal(new Array(20).fill(n));
    for (let r = 0; r < 20; r++) {
      const b = Math.floor(r / 5);
      for (let i = lengths[b]; i < padded.seqLen; i++) expect(m.mask.data[r * padded.seqLen + i]).to.equal(0);
    }
    // every real position of the longest row gets masked in some clone over many draws
    const many = textRandomMasks(padded.paddingMask, { batch: 4, seqLen: padded.seqLen }, 40, 0.48, new Rng(3));
    const hit = new Set<number>();
    for (let r = 80; r < 120; r++) for (let i = 0; i < padded.seqLen; i++) if (many.mask.data[r * padded.seqLen + i]) hit.add(i);
    expect([...hit].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 15 }, (_, i) => i));
  });

  it('without padding it is the reference random_masking draw for draw; the same seed repeats, another differs', () => {
    const noPad = new Uint8Array(3 * 11);
    const ours = textRandomMasks(noPad, { batch: 3, seqLen: 11 }, 1, 0.48, new Rng(7));
    const ref = randomMask({ batch: 3, length: 11 }, new Rng(7), { maskRatio: 0.48 });
    expect(ours.idsKeep).to.deep.equal(ref.idsKeep);
    expect(Array.from(ours.mask.data)).to.deep.equal(Array.from(ref.mask.data));
    expect(textRandomMasks(noPad, { batch: 3, seqLen: 11 }, 1, 0.48, new Rng(7)).idsKeep).to.deep.equal(ours.idsKeep);
    expect(textRandomMasks(noPad, { batch: 3, seqLen: 11 }, 1, 0.48, new Rng(8)).idsKeep).to.not.deep.equal(ours.idsKeep);
  });

  it('names the problem when the shortest row is too short to mask anything', () => {
    expect(() => textRandomMasks(new Uint8Array([0, 1, 1, 0, 0, 0]), { batch: 2, seqLen: 3 }, 1, 0.48, new Rng(1))).to.throw(/shortest row of the batch has 1 tokens, too few to both mask and keep one/);
    expect(textRandomMasks(new Uint8Array([0, 0, 1, 0, 0, 0]), { batch: 2, seqLen: 3 }, 1, 0.48, new Rng(1)).idsKeep.map((r) => r.length)).to.deep.equal([2, 2]);
  });

  it('ids_keep in noise order, and restore puts kept and masked tokens back in their original places', () => {
    const batch = toyBatch([7, 6, 7], 2, 'restore');
    const info = batch.mask;
    const [r, t] = [info.rows, info.length];
    const x = tf.tensor3d(Array.from({ length: r * t }, (_, i) => i), [r, t, 1]);
    const kept = gatherTokens(x, info.keepIndex);
    const keptIds = (kept.arraySync() as number[][][]).map((row, i) => row.map(([v]) => v - i * t));
    expect(keptIds.some((row) => row.some((p, j) => j > 0 && p < row[j - 1]))).to.equal(true);
    const mask = info.mask.arraySync() as number[][];
    const masked = mask.map((row) => row.flatMap((v, p) => (v ? [p] : [])));
    // fill with the masked positions in shuffle order: ids_shuffle[K + j] is the position of filler j
    const shuffle = (info.restoreIndex.arraySync() as number[]).reduce<number[][]>((rows, v, i) => {
      const row = Math.floor(i / t);
      (rows[row] ??= new Array(t))[v - row * t] = i - row * t;
      return rows;
    }, []);
    const filler = tf.tensor3d(shuffle.map((s, i) => s.slice(info.lenKeep).map((p) => [p + i * t])), [r, t - info.lenKeep, 1]);
    expect(restoreTokens(kept, filler, info.restoreIndex).arraySync()).to.deep.equal(x.arraySync());
    masked.forEach((row, i) => expect(new Set(shuffle[i].slice(info.lenKeep))).to.deep.equal(new Set(row)));
    tf.dispose([x, kept, filler]);
  });
});

describe('text v2 student, targets and teacher (spec §2.5, §3.2, §4.2, §5.2, traps 9, 10, 28)', () => {
  it('the recipe draws clones × batch masks over padded glosses with the pad mask, deterministically per (seed, update)', () => {
    const config = textV2Recipe.config('tiny', { batchSize: 4 });
    const data = textV2Recipe.loadData(config);
    const setup = textV2Recipe.build(config, data);
    const a = setup.batches(5, 0) as V2Batch;
    const [b, t] = a.input.shape;
    expect([b, a.mask.rows, a.mask.clones, a.mask.length]).to.deep.equal([4, 32, 8, t]);
    const pad = a.padMask ? (a.padMask.arraySync() as number[][]) : Array.from({ length: 4 }, () => new Array(t).fill(0));
    const lengths = pad.map((row) => row.filter((v) => v === 0).length);
    const n = textMaskCount(Math.min(...lengths), 0.48);
    const rows = a.mask.mask.arraySync() as number[][];
    rows.forEach((row, r) => {
      expect(row.reduce((s, v) => s + v, 0)).to.equal(n);
      row.forEach((v, p) => { if (pad[Math.floor(r / 8)][p]) expect(v).to.equal(0); });
    });
    expect((setup.batches(5, 0) as V2Batch).mask.mask.arraySync()).to.deep.equal(rows);
    expect((setup.batches(6, 0) as V2Batch).mask.mask.arraySync()).to.not.deep.equal(rows);
    setup.objective.dispose();
  });

  it('the student encodes only the kept tokens of each clone, positions added before dropping, pad mask gathered alike', () => {
    const model = buildTextV2(toyConfig({ dropout: 0 }));
    const batch = toyBatch([8, 6, 7], 3, 'kept');
    const m = model.encoder.modality;
    const local = m.localFeatures(batch.input);
    const ctx = m.contextualize(local, { mask: batch.mask, padMask: batch.padMask });
    expect(ctx.x.shape).to.deep.equal([9, batch.mask.lenKeep, 16]);
    const viaClones = gatherTokens(repeatInterleave(local, 3), batch.mask.keepIndex);
    expect(sumAll(tf.abs(tf.sub(ctx.x, viaClones)))).to.equal(0);
    const keptPad = gatherTokens(repeatInterleave(batch.padMask!.expandDims(-1), 3), batch.mask.keepIndex).squeeze([2]);
    expect(ctx.padMask!.arraySync()).to.deep.equal(keptPad.arraySync());
    // the same token id at two positions embeds differently: positions are inside the kept features
    const ids = tf.tensor2d([[0, 7, 7, 2]], [1, 4], 'int32');
    const e = m.localFeatures(ids).arraySync() as number[][][];
    expect(e[0][1]).to.not.deep.equal(e[0][2]);
    // without a pad mask argument the encoder finds the padding itself
    const full = model.encoder.forward(batch.input);
    expect(full.padMask!.arraySync()).to.deep.equal(batch.padMask!.arraySync());
    model.dispose();
  });

  it('targets: instance norm over real tokens only (a padded row has the targets of the same row alone), loss scale 1 against repeat_interleave(targets) at masked positions', () => {
    const model = buildTextV2(toyConfig({ dropout: 0 }));
    const batch = toyBatch([8, 5, 7], 3, 'targets');
    const prepared = model.prepare(batch);
    const y = prepared.targets;
    expect(y.shape).to.deep.equal([3, 8, 16]);
    const alone = model.targets({ input: batch.input.slice([1, 0], [1, 5]) });
    expect(tf.max(tf.abs(tf.sub(alone, y.slice([1, 0, 0], [1, 5, 16])))).dataSync()[0]).to.be.below(1e-4);
    model.reseed(new Rng('step'));
    const out = model.loss(batch, prepared);
    model.reseed(new Rng('step'));
    const { pred } = model.studentForward(batch);
    const p = pred.arraySync() as number[][][];
    const t = y.arraySync() as number[][][];
    const mask = batch.mask.mask.arraySync() as number[][];
    let sum = 0;
    let count = 0;
    mask.forEach((row, r) => row.forEach((v, pos) => {
      if (!v) return;
      count++;
      p[r][pos].forEach((q, d) => { sum += (q - t[Math.floor(r / 3)][pos][d]) ** 2; });
    }));
    expect(count).to.equal(9 * textMaskCount(5, 0.48));
    expect(out.loss.dataSync()[0]).to.be.closeTo(sum / count, 1e-3 * (sum / count));
    // masked share of each row's real tokens (rows of 8, 5 and 7), averaged over rows
    const k = textMaskCount(5, 0.48);
    expect(out.scalars.masked_pct.dataSync()[0]).to.be.closeTo((k / 8 + k / 5 + k / 7) / 3, 1e-6);
    model.dispose();
  });

  it('the teacher holds the embeddings (copied from the student) and blocks (EMA), never the decoder; its input is the student embeddings with the same dropout', () => {
    const model = buildTextV2(toyConfig());
    const names = model.teacher.namedParameters().map(([n]) => n);
    expect(names.some((n) => n.includes('decoder'))).to.equal(false);
    expect(names).to.include('blocks.layers.1.mlp.fc2.weight');
    expect(model.ema.sharedNames.length).to.be.greaterThan(0);
    expect(model.ema.sharedNames.every((n) => n.startsWith('modality_encoder.'))).to.equal(true);
    const wStudent = model.encoder.blocks.namedParameters().find(([n]) => n === 'layers.0.mlp.fc1.weight')![1];
    const wTeacher = model.teacher.blocks.namedParameters().find(([n]) => n === 'layers.0.mlp.fc1.weight')![1];
    const emb = model.encoder.modality.localEncoder.wordEmbeddings.weight;
    const before = wTeacher.dataSync()[0];
    wStudent.assign(tf.add(wStudent, 1));
    emb.assign(tf.add(emb, 1));
    const tau = model.afterUpdate(1).ema_decay;
    expect(wTeacher.dataSync()[0]).to.be.closeTo(before + (1 - tau), 1e-5);
    expect(model.teacher.modality.localEncoder.wordEmbeddings.weight.dataSync()[0]).to.equal(emb.dataSync()[0]);
    // trap 28: one embedding-dropout draw per input batch, shared by teacher and student
    const batch = toyBatch([8, 8], 3, 'drop');
    const m = model.encoder.modality;
    model.reseed(new Rng('s'));
    const a = m.localFeatures(batch.input);
    const b = m.localFeatures(batch.input);
    expect(sumAll(tf.abs(tf.sub(a, b)))).to.equal(0);
    const zeros = sumAll(tf.equal(a, 0).cast('float32'));
    expect(zeros).to.be.greaterThan(0.05 * a.size);
    const other = m.localFeatures(batch.input.clone());
    expect(sumAll(tf.abs(tf.sub(a, other)))).to.be.greaterThan(0);
    model.dispose();
  });
});

describe('text v2 student: gradients vs finite differences', () => {
  for (const backend of TRAINING_BACKENDS) {
    it(`embeddings, blocks and decoder on ${backend}`, async () => {
      await withBackend(backend, () => {
        const model = buildTextV2(toyConfig({ dropout: 0, noise: 0, clones: 2 }));
        const batch = toyBatch([6, 5], 2, 'grad');
        const prepared = model.prepare(batch);
        const params = model.namedTrainableParameters().filter(([n]) =>
          /word_embeddings|position_embeddings|LayerNorm.weight|blocks.layers.0.attn.q_proj.weight|decoder.blocks.0.0.weight|decoder.proj/.test(n));
        expect(params.length).to.be.greaterThan(5);
        // a step of 3e-3 instead of the default 1e-2: the central difference's truncation error stays well inside the tolerance
        const r = gradCheck(() => model.loss(batch, prepared).loss, params, { perTensor: 3, eps: 3e-3 });
        expect(r.worst, r.where).to.be.lessThan(3e-2);
        model.dispose();
      });
    });
  }
});

describe('text v2 tiny run', () => {
  it('the loss falls, targets and predictions do not collapse, no tensors leak', async function () {
    this.timeout(90_000);
    const c = textV2Recipe.config('tiny', { batchSize: 8, steps: 30 });
    c.data2vec.clones = 4;
    c.trainer.schedule = { kind: 'constant', lr: 1e-3 };
    const r = await shortRun(textV2Recipe, c, 30);
    expect(r.lastMean).to.be.lessThan(0.9 * r.firstMean);
    expect(r.last.target_var).to.be.greaterThan(0.1);
    expect(r.last.pred_var).to.be.greaterThan(0.01);
    expect(r.tensorsAtEnd).to.equal(r.tensorsAfterSecond);
    expect(r.tensorsAfterDispose).to.equal(r.tensorsBefore);
  });
});
