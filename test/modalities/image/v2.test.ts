/**
 * The image data2vec 2.0 recipe and presets (spec §1.3 "v2", §2.4, §6): preset
 * structure against the reference sizes, exact mask counts on the 7×7 grid,
 * deterministic batches, and a short run whose loss falls without collapse.
 */
import { expect } from 'chai';
import { shortRun } from '../../helpers/short-run';
import { imageV2Recipe } from '../../../src/modalities/image/recipe-v2';
import { IMAGE_V2_PRESETS } from '../../../src/modalities/image/presets-v2';
import { V2Batch } from '../../../src/data2vec/data2vec-v2';
import { getRecipe } from '../../../src/modalities/registry';

describe('image v2 presets (spec §1.1, §5.3, §6)', () => {
  it('base is 768 wide, 12 heads, 2 prenet + 10 main blocks, decoder 768 × 6 (kernel 3, groups 16), 16 clones, reference optimiser', () => {
    const c = IMAGE_V2_PRESETS.base();
    expect([c.model.dim, c.model.heads, c.model.prenetDepth, c.model.depth, c.model.eps]).to.deep.equal([768, 12, 2, 10, 1e-6]);
    expect(c.decoder).to.deep.equal({ dim: 768, kernel: 3, layers: 6, groups: 16, residual: true, projectionLayers: 1 });
    expect(c.data2vec.clones).to.equal(16);
    expect(c.data2vec.targets).to.deep.equal({ topK: 10, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'layer' });
    expect(c.data2vec.loss).to.deep.equal({ beta: 0, reduction: 'sum', scale: 'invSqrtDim' });
    expect([c.data2vec.clsLoss, c.data2vec.maskNoiseStd, c.data2vec.teacherInput]).to.deep.equal([0.01, 0.01, 'raw']);
    expect(c.data2vec.ema).to.deep.equal({ tauStart: 0.9998, tauEnd: 0.99999, annealUpdates: 100_000 });
    expect(c.trainer.optimizer).to.deep.equal({ betas: [0.9, 0.95], eps: 1e-6, weightDecay: 0.05 });
    expect([c.trainer.clipNorm, c.trainer.noDecayNames]).to.deep.equal([4, ['alibi_scale']]);
    expect(c.trainer.schedule).to.include({ kind: 'cosine', peakLr: 1e-3, warmupUpdates: 50_040, totalUpdates: 375_300 });
    expect(JSON.parse(JSON.stringify(c))).to.deep.equal(c);
  });

  it('tiny keeps the reference masking algorithm, optimiser and schedule shape; it departs in size, τ, a mask ratio of 0.6 and a peak LR of 2e-3', () => {
    const c = IMAGE_V2_PRESETS.tiny();
    const b = IMAGE_V2_PRESETS['base-28']();
    expect(c.masking).to.deep.equal({ ...b.masking, maskProb: 0.6 });
    expect(b.masking.maskProb).to.equal(0.8);
    expect([c.trainer.optimizer, c.trainer.clipNorm]).to.deep.equal([b.trainer.optimizer, b.trainer.clipNorm]);
    expect(c.trainer.schedule).to.deep.equal({ kind: 'cosine', peakLr: 2e-3, warmupUpdates: 60, totalUpdates: 600, minLr: 1e-6 });
  });

  it('registers as image/v2 and resolves overrides (steps rescale warm-up and the EMA anneal)', () => {
    expect(getRecipe('image', 'v2')).to.equal(imageV2Recipe);
    const c = imageV2Recipe.config('tiny', { steps: 300, seed: 4 });
    expect([c.trainer.updates, c.data2vec.ema.annealUpdates, c.seed]).to.deep.equal([300, 300, 4]);
    expect(() => imageV2Recipe.config('huge')).to.throw(/not a image v2 preset; choose one of tiny, small, base/);
  });
});

describe('image v2 batches (spec §2.4, trap 10–12)', () => {
  const config = imageV2Recipe.config('tiny', { batchSize: 4 });
  const data = imageV2Recipe.loadData(config);

  it('draws clones × batch masks keeping exactly 19 of the 49 patches (mask ratio 0.6), the same for the same seed and different for another', () => {
    const setup = imageV2Recipe.build(config, data);
    const a = setup.batches(3, 0) as V2Batch;
    expect([a.mask.rows, a.mask.length, a.mask.lenKeep, a.mask.clones]).to.deep.equal([4 * 8, 49, 19, 8]);
    expect(a.input.shape).to.deep.equal([4, 28, 28, 1]);
    const rows = a.mask.mask.arraySync() as number[][];
    rows.forEach((r) => expect(r.reduce((s, v) => s + v, 0)).to.equal(30));
    const b = setup.batches(3, 0) as V2Batch;
    expect(b.mask.mask.arraySync()).to.deep.equal(rows);
    const other = imageV2Recipe.build(imageV2Recipe.config('tiny', { batchSize: 4, seed: 1 }), data).batches(3, 0) as V2Batch;
    expect(other.mask.mask.arraySync()).to.not.deep.equal(rows);
    // clones of one sample differ from each other
    expect(rows[0]).to.not.deep.equal(rows[1]);
    setup.objective.dispose();
  });

  it('a short tiny run: the loss falls, targets and predictions do not collapse, no tensors leak', async function () {
    this.timeout(90_000);
    const c = imageV2Recipe.config('tiny', { batchSize: 8, steps: 30 });
    c.data2vec.clones = 4;
    c.trainer.schedule = { kind: 'constant', lr: 1e-3 };
    const r = await shortRun(imageV2Recipe, c, 30, data);
    expect(r.lastMean).to.be.lessThan(0.9 * r.firstMean);
    expect(r.last.target_var).to.be.greaterThan(0.1);
    expect(r.last.pred_var).to.be.greaterThan(0.01);
    expect(r.last.masked_pct).to.be.closeTo(30 / 49, 1e-6);
    expect(r.tensorsAtEnd).to.equal(r.tensorsAfterSecond);
    expect(r.tensorsAfterDispose).to.equal(r.tensorsBefore);
  });
});
