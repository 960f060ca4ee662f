/**
 * The data2vec 2.0 core (spec §2.5, §5.2–5.3, traps 9–11, 26): exact kept counts and
 * the gather/restore round trip, `repeat_interleave` clone order and targets lined up
 * with it, the CLS term, what the EMA covers, and gradients through the gathers.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { maskBatchFromArrays } from '../../src/masking/mask-batch';
import { randomMask } from '../../src/masking/random-mask';
import { cloneMasks } from '../../src/masking/multi-mask';
import { inverseBlockMask2d } from '../../src/masking/inverse-block-mask-2d';
import { gatherTokens, repeatInterleave, restoreTokens } from '../../src/nn/gather-tokens';
import { makeMaskInfo } from '../../src/data2vec/v2-mask-info';
import { Data2VecV2, Data2VecV2Config, V2Batch, cloneRegressionLoss } from '../../src/data2vec/data2vec-v2';
import { maskedRegressionLoss } from '../../src/data2vec/losses';
import { computeVar } from '../../src/data2vec/diagnostics';
import { imageBackboneV2, ImageEncoderV2Config } from '../../src/modalities/image/encoder-v2';
import { Decoder2d } from '../../src/nn/decoder-2d';
import { gradCheck } from '../helpers/gradcheck';
import { TRAINING_BACKENDS, withBackend } from '../helpers/backends';

const randn = (rng: Rng, shape: number[], std = 1) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1), std), shape);

const MODEL: ImageEncoderV2Config = {
  imageSize: [8, 8], channels: 1, patchSize: 2, dim: 16, heads: 2, mlpRatio: 2, prenetDepth: 1, depth: 2, eps: 1e-6, dropout: 0, attnDropout: 0, layerdrop: 0,
};
const V2: Data2VecV2Config = {
  clones: 3,
  targets: { topK: 2, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'layer' },
  loss: { beta: 0, reduction: 'sum', scale: 'invSqrtDim' },
  ema: { tauStart: 0.9, tauEnd: 0.99, annealUpdates: 10 },
  clsLoss: 0.01,
  maskNoiseStd: 0.01,
  decoderInputDropout: 0,
  teacherInput: 'raw',
};

function tinyModel(config: Data2VecV2Config = V2) {
  return new Data2VecV2(
    (rng) => imageBackboneV2(MODEL, rng),
    (rng) => new Decoder2d({ dim: 16, kernel: 3, layers: 2, groups: 4, residual: true, projectionLayers: 1 }, 16, [4, 4], rng),
    config,
    new Rng('v2-test'),
  );
}

function tinyBatch(b: number, clones: number, seed: string): V2Batch {
  const rng = new Rng(seed);
  const masks = cloneMasks(b, clones, (m, r) => inverseBlockMask2d({ batch: m, height: 4, width: 4 }, r, { maskProb: 0.75, maskLength: 2 }), rng);
  return { input: randn(rng, [b, 8, 8, 1]), mask: makeMaskInfo(masks, clones) };
}

describe('v2 mask info, gathers and restore (spec §2.5, traps 11, 26)', () => {
  it('keeps exactly int(L·(1 − p)) patches per clone: 4 of 16 at p = 0.75, 9 of 49 on 7×7, 39 of 196 on 14×14', () => {
    for (const [h, p, length, kept, block] of [[4, 0.75, 16, 4, 2], [7, 0.8, 49, 9, 2], [14, 0.8, 196, 39, 3]]) {
      const masks = cloneMasks(5, 4, (m, r) => inverseBlockMask2d({ batch: m, height: h, width: h }, r, { maskProb: p, maskLength: block }), new Rng(h));
      const info = makeMaskInfo(masks, 4);
      expect([info.rows, info.length, info.lenKeep, info.clones]).to.deep.equal([20, length, kept, 4]);
      expect(info.mask.sum().dataSync()[0]).to.equal(20 * (length - kept));
      tf.dispose([info.mask, info.keepIndex, info.sourceKeepIndex, info.restoreIndex]);
    }
  });

  it('gather → restore is the identity at kept positions and puts the filler at masked ones, in original order', () => {
    const mask = maskBatchFromArrays([[1, 0, 0, 1, 0], [0, 1, 1, 0, 0]]);
    const info = makeMaskInfo(mask);
    const x = tf.tensor3d(Array.from({ length: 2 * 5 * 2 }, (_, i) => i), [2, 5, 2]);
    const kept = gatherTokens(x, info.keepIndex);
    expect(kept.arraySync()).to.deep.equal([[[2, 3], [4, 5], [8, 9]], [[10, 11], [16, 17], [18, 19]]]);
    const filler = tf.tensor3d([[[-1, -1], [-2, -2]], [[-3, -3], [-4, -4]]]);
    const full = restoreTokens(kept, filler, info.restoreIndex);
    expect(full.arraySync()).to.deep.equal([
      [[-1, -1], [2, 3], [4, 5], [-2, -2], [8, 9]],
      [[10, 11], [-3, -3], [-4, -4], [16, 17], [18, 19]],
    ]);
  });

  it('keeps ids_keep order when it is not positional (random masking) and still restores exactly', () => {
    const m = randomMask({ batch: 3, length: 7 }, new Rng(9), { maskRatio: 0.5 });
    expect(m.idsKeep.some((row) => row.some((v, i) => i > 0 && v < row[i - 1]))).to.equal(true);
    const info = makeMaskInfo(m);
    const x = tf.tensor3d(Array.from({ length: 3 * 7 }, (_, i) => i), [3, 7, 1]);
    const kept = gatherTokens(x, info.keepIndex);
    expect((kept.arraySync() as number[][][]).map((row) => row.map((v) => v[0]))).to.deep.equal(m.idsKeep.map((row, r) => row.map((p) => r * 7 + p)));
    const full = restoreTokens(kept, tf.fill([3, 7 - info.lenKeep, 1], -1), info.restoreIndex).arraySync() as number[][][];
    full.forEach((row, r) => row.forEach(([v], p) => expect(v).to.equal(m.mask.data[r * 7 + p] ? -1 : r * 7 + p)));
  });

  it('rejects masks whose rows keep different counts (make_maskinfo reads row 0)', () => {
    expect(() => makeMaskInfo(maskBatchFromArrays([[1, 0, 0], [1, 1, 0]]))).to.throw(/same masked count/);
  });

  it('repeat_interleave puts the clones of a sample together, and the fused gather equals clone-then-gather', () => {
    const x = tf.tensor3d([[[1], [2], [3]], [[4], [5], [6]]]);
    expect(repeatInterleave(x, 2).arraySync()).to.deep.equal([[[1], [2], [3]], [[1], [2], [3]], [[4], [5], [6]], [[4], [5], [6]]]);
    const info = makeMaskInfo(maskBatchFromArrays([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]), 2);
    expect(gatherTokens(x, info.sourceKeepIndex, 4).arraySync()).to.deep.equal(gatherTokens(repeatInterleave(x, 2), info.keepIndex).arraySync());
    expect(() => makeMaskInfo(maskBatchFromArrays([[1, 0], [0, 1], [1, 0]]), 2)).to.throw(/cannot be 2 clones/);
  });
});

describe('targets lined up with clones (spec §5.2, trap 10)', () => {
  it('the clone loss equals the loss against repeat_interleave(targets), not against repeat (tile)', () => {
    const rng = new Rng(1);
    const pred = randn(rng, [6, 4, 8]);
    const targets = randn(rng, [2, 4, 8]);
    const mask = tf.tensor2d(new Rng(2).uniformArray(24).map((v) => (v < 0.5 ? 1 : 0)), [6, 4]);
    const cfg = V2.loss;
    const loss = cloneRegressionLoss(pred, targets, mask, 3, cfg).dataSync()[0];
    const interleaved = maskedRegressionLoss(pred, repeatInterleave(targets, 3), mask, cfg).dataSync()[0];
    const tiled = maskedRegressionLoss(pred, tf.tile(targets, [3, 1, 1]), mask, cfg).dataSync()[0];
    expect(loss).to.be.closeTo(interleaved, 1e-5);
    expect(Math.abs(loss - tiled)).to.be.greaterThan(1e-2);
  });

  it('prepare gives per-sample targets, their target_var over the masked positions of all clones, and the patch-mean CLS target', () => {
    const model = tinyModel();
    const batch = tinyBatch(2, 3, 'prep');
    const prepared = model.prepare(batch);
    expect(prepared.targets.shape).to.deep.equal([2, 16, 16]);
    const repeated = repeatInterleave(prepared.targets, 3);
    expect(prepared.target_var.dataSync()[0]).to.be.closeTo(computeVar(repeated, batch.mask.mask).dataSync()[0], 1e-5);
    expect(prepared.cls_target.arraySync()).to.deep.equal(tf.mean(prepared.targets, 1).arraySync());
    model.dispose();
  });
});

describe('the v2 student, CLS term and EMA (spec §2.5, §4.2, §5.3)', () => {
  it('runs the encoder on CLS + kept tokens only and the decoder on the full grid', () => {
    const model = tinyModel();
    const batch = tinyBatch(2, 3, 'shapes');
    const m = model.encoder.modality;
    const ctx = m.contextualize(m.localFeatures(batch.input), { mask: batch.mask });
    expect(ctx.x.shape).to.deep.equal([6, 1 + 4, 16]);
    const { pred, cls } = model.studentForward(batch);
    expect(pred.shape).to.deep.equal([6, 16, 16]);
    expect(cls!.shape).to.deep.equal([6, 16]);
    // targets come from the main blocks only (2), never the prenet block
    expect(model.teacher.forward(batch.input).layers).to.have.length(2);
    model.dispose();
  });

  it('adds clsLoss × Σ over clone rows of ‖cls − mean patch target‖² / √D to the regression loss', () => {
    const model = tinyModel();
    const batch = tinyBatch(2, 3, 'cls');
    const prepared = model.prepare(batch);
    model.reseed(new Rng('step'));
    const out = model.loss(batch, prepared);
    const { cls } = model.studentForward(batch);
    const c = cls!.arraySync() as number[][];
    const t = prepared.cls_target.arraySync() as number[][];
    let expected = 0;
    c.forEach((row, r) => row.forEach((v, d) => { expected += (v - t[Math.floor(r / 3)][d]) ** 2 / 4; }));
    expected *= 0.01;
    expect(out.scalars.loss_cls.dataSync()[0]).to.be.closeTo(expected, 1e-4);
    expect(out.loss.dataSync()[0]).to.be.closeTo(out.scalars.loss_regression.dataSync()[0] + expected, 1e-4);
    expect(out.scalars.masked_pct.dataSync()[0]).to.equal(0.75);
    const noCls = tinyModel({ ...V2, clsLoss: 0 });
    const p2 = noCls.prepare(batch);
    expect(p2.cls_target).to.equal(undefined);
    model.dispose();
    noCls.dispose();
  });

  it('the teacher is an EMA of the whole encoder (patch embedding, CLS, prenet, blocks) and never holds the decoder', () => {
    const model = tinyModel();
    const names = model.teacher.namedParameters().map(([n]) => n);
    expect(names).to.include.members(['modality_encoder.local_encoder.proj.weight', 'modality_encoder.extra_tokens', 'modality_encoder.context_encoder.norm.weight', 'blocks.layers.0.mlp.fc2.weight']);
    expect(names.some((n) => n.includes('decoder'))).to.equal(false);
    expect(model.ema.sharedNames).to.deep.equal(['modality_encoder.fixed_positional_encoder.positions']);
    const before = model.teacher.modality.extraTokens.dataSync()[0];
    model.encoder.modality.extraTokens.assign(tf.add(model.encoder.modality.extraTokens, 1));
    expect(model.afterUpdate(1).ema_decay).to.be.closeTo(0.909, 1e-9);
    expect(model.teacher.modality.extraTokens.dataSync()[0]).to.be.closeTo(before + (1 - 0.909), 1e-5);
    model.dispose();
  });

  it('rejects masks drawn for another clone count', () => {
    const model = tinyModel();
    const batch = tinyBatch(2, 2, 'wrong');
    expect(() => model.studentForward(batch)).to.throw(/2 samples × 3 clones/);
    model.dispose();
  });
});

describe('v2 gathers and the v2 student: gradients vs finite differences', () => {
  for (const backend of TRAINING_BACKENDS) {
    it(`gatherTokens / restoreTokens / repeatInterleave and the image student on ${backend}`, async () => {
      await withBackend(backend, () => {
        const rng = new Rng(7);
        const info = makeMaskInfo(maskBatchFromArrays([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]]), 2);
        const x = tf.variable(randn(rng, [2, 4, 3]));
        const filler = tf.variable(randn(rng, [4, 2, 3]));
        const probe = randn(rng, [4, 4, 3]);
        const loss = () => tf.tidy(() => {
          const kept = gatherTokens(tf.mul(repeatInterleave(x, 2), 1.5), info.keepIndex);
          const fused = gatherTokens(x, info.sourceKeepIndex, 4);
          return tf.sum(tf.mul(restoreTokens(tf.add(kept, fused), filler, info.restoreIndex), probe)) as tf.Scalar;
        });
        const r = gradCheck(loss, [['x', x], ['filler', filler]], { perTensor: 6 });
        expect(r.worst, r.where).to.be.lessThan(2e-2);

        const model = tinyModel({ ...V2, maskNoiseStd: 0 });
        const batch = tinyBatch(1, 3, 'grad');
        const prepared = model.prepare(batch);
        const params = model.namedTrainableParameters().filter(([n]) => /extra_tokens|local_encoder.proj.weight|context_encoder.blocks.layers.0.attn.q_proj.weight|decoder.blocks.0.0.weight/.test(n));
        expect(params).to.have.length(4);
        const r2 = gradCheck(() => model.loss(batch, prepared).loss, params, { perTensor: 3 });
        expect(r2.worst, r2.where).to.be.lessThan(3e-2);
        model.dispose();
      });
    });
  }
});
