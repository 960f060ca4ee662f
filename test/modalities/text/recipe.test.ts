/**
 * The text data2vec 1.0 recipe: preset values against the spec, config checks, a short
 * end-to-end run whose loss falls without collapse, and `pretrain()` / `await probe()` from
 * `src/run/` on a small labelled file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { expectRejection } from '../../helpers/rejects';
import { textV1Recipe } from '../../../src/modalities/text/recipe-v1';
import { checkTextConfig } from '../../../src/modalities/text/recipe-v1';
import { loadWordnetGlosses } from '../../../src/data/text-dataset';
import { Trainer } from '../../../src/train/trainer';
import { MetricsRow } from '../../../src/train/metrics-log';
import { pretrain } from '../../../src/run/pretrain';
import { probe } from '../../../src/run/probe';
import { getRecipe } from '../../../src/modalities/registry';

/** A 2-layer, 32-wide variant of `tiny` for fast tests. */
const SMALL_MODEL = { 'model.dim': '32', 'model.ffnDim': '128', 'model.heads': '2', 'model.depth': '2', 'data2vec.targets.topK': '2' };

describe('text v1 recipe', () => {
  it('is registered for --modality text --algo v1', async () => {
    expect(getRecipe('text', 'v1')).to.equal(textV1Recipe);
    expect(textV1Recipe.presets).to.include.members(['tiny', 'tiny-released', 'small', 'base', 'base-released']);
  });

  it('base follows the paper run; base-released the released config and code', async () => {
    const base = textV1Recipe.config('base');
    expect([base.model.depth, base.model.dim, base.model.ffnDim, base.model.heads, base.model.maxPositions]).to.deep.equal([12, 768, 3072, 12, 512]);
    expect([base.model.dropout, base.model.attnDropout, base.model.eps, base.model.vocabSize]).to.deep.equal([0.1, 0.1, 1e-5, 50261]);
    expect(base.tokenizer.name).to.equal('gpt2');
    expect(base.masking).to.deep.equal({ maskProb: 0.15, leaveUnmaskedProb: 0.1, randomTokenProb: 0.1, maskMultipleLength: 1, lossPositions: 'maskReplaced' });
    expect(base.teacherInput).to.equal('unmasked');
    expect(base.data2vec).to.deep.equal({
      targets: { topK: 10, source: 'ffn', perLayerNorm: 'layer', finalNorm: 'none', subtractPositionMean: false },
      loss: { beta: 4, reduction: 'sum', scale: 1 },
      ema: { tauStart: 0.999, tauEnd: 0.9999, annealUpdates: 100_000, shared: ['embeddings'] },
      headLayers: 2,
    });
    expect(base.trainer.optimizer).to.deep.equal({ betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, epsStyle: 'fairseq' });
    expect(base.trainer.clipNorm).to.equal(5);
    expect(base.trainer.batchSize * base.trainer.accumulation).to.equal(256);
    const released = textV1Recipe.config('base-released');
    expect(released.masking).to.deep.include({ maskProb: 0.35, maskMultipleLength: 4, randomTokenProb: 0, leaveUnmaskedProb: 0 });
    expect(released.teacherInput).to.equal('selectedOnly');
    expect(released.data2vec.ema.annealUpdates).to.equal(300_000);
    expect(released.trainer.schedule).to.deep.include({ kind: 'cosine', peakLr: 2e-4, warmupUpdates: 10_000 });
  });

  it('tiny keeps the method at a small size: wordnet-bpe 4,096, 4 layers, K = 3, BERT masking', async () => {
    const tiny = textV1Recipe.config('tiny');
    expect([tiny.tokenizer.name, tiny.tokenizer.vocabSize, tiny.model.vocabSize]).to.deep.equal(['wordnet-bpe', 4096, 4096]);
    expect(tiny.model.depth).to.equal(4);
    expect(tiny.data2vec.targets.topK).to.equal(3);
    expect(tiny.sequences).to.deep.equal({ packing: 'documents', maxLength: 64 });
    expect(tiny.data2vec.ema.shared).to.deep.equal(['embeddings']);
    const overridden = textV1Recipe.config('tiny', { set: { teacherInput: 'selectedOnly', 'masking.lossPositions': 'selected' } });
    expect([overridden.teacherInput, overridden.masking.lossPositions]).to.deep.equal(['selectedOnly', 'selected']);
  });
});

describe('text v1 end to end', () => {
  let dir: string;
  let labelled: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-text-run-'));
    // 4 supersenses × 100 glosses from the bundled training split
    const wanted = ['noun.animal', 'noun.food', 'verb.motion', 'noun.artifact'];
    const lines = wanted.flatMap((label) => loadWordnetGlosses().train.filter((d) => d.label === label).slice(0, 100))
      .map((d) => JSON.stringify({ text: d.text, label: d.label }));
    labelled = path.join(dir, 'glosses.jsonl');
    fs.writeFileSync(labelled, lines.join('\n') + '\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('config checks name the mismatched field', async () => {
    const config = textV1Recipe.config('tiny', { data: labelled, set: { 'model.vocabSize': '5000' } });
    const data = textV1Recipe.loadData(config);
    expect(() => checkTextConfig(config, data)).to.throw('model.vocabSize is 5000 but the wordnet-bpe tokenizer has 4096 ids');
    expect(() => textV1Recipe.config('tiny', { data: labelled, set: { 'sequences.maxLength': '65' } })).to.throw('sequences.maxLength is 65 but must be within model.maxPositions (64)');
    const teacher = textV1Recipe.config('tiny', { data: labelled, set: { teacherInput: 'masked' } });
    expect(() => checkTextConfig(teacher, data)).to.throw('teacherInput must be "unmasked" (paper) or "selectedOnly" (released code), got "masked".');
  });

  it('a short run on the bundled glosses: the loss falls and neither targets nor predictions collapse', async function () {
    this.timeout(120_000);
    const config = textV1Recipe.config('tiny', { steps: 40, batchSize: 32, lr: 5e-3, set: SMALL_MODEL });
    const data = textV1Recipe.loadData(config);
    const setup = textV1Recipe.build(config, data);
    const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
    const rows: MetricsRow[] = [];
    for (let i = 0; i < 40; i++) rows.push(await trainer.step());
    const mean = (r: typeof rows) => r.reduce((s, x) => s + x.loss, 0) / r.length;
    expect(mean(rows.slice(-8)), 'late loss').to.be.below(0.7 * mean(rows.slice(0, 8)));
    rows.forEach((r) => expect(Number.isFinite(r.loss)).to.equal(true));
    expect(rows[rows.length - 1].target_var).to.be.above(0.1);
    expect(rows[rows.length - 1].pred_var).to.be.above(0.01);
    trainer.dispose();
    setup.objective.dispose();
  });

  it('pretrain() writes a run folder and await probe() scores it and the random init on a labelled file', async function () {
    this.timeout(120_000);
    const out = path.join(dir, 'run');
    const overrides = { data: labelled, steps: 4, batchSize: 16, set: SMALL_MODEL };
    const summary = await pretrain({ modality: 'text', preset: 'tiny', overrides, out, report: false });
    expect(summary.steps).to.equal(4);
    expect(summary.modality).to.equal('text');
    expect(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n')).to.have.length(5);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).data).to.equal(labelled);
    const trained = await probe({ run: out });
    const random = await probe({ randomInit: true, modality: 'text', preset: 'tiny', overrides });
    for (const r of [trained, random]) {
      expect([r.n_train, r.n_test, r.dim]).to.deep.equal([320, 80, 32]);
      expect(r.accuracy).to.be.within(0, 1);
    }
    expect([trained.source, random.source]).to.deep.equal(['pretrained', 'random-init']);
    // the validation fifth of 320 balanced rows is 64 rows: its accuracy is a count over 64
    for (const r of [trained, random]) {
      expect(r.validation_accuracy).to.be.within(0, 1);
      expect(Math.abs(r.validation_accuracy! * 64 - Math.round(r.validation_accuracy! * 64))).to.be.below(1e-9);
    }
    // a fixed L2 selects nothing, so there is no validation accuracy to report
    const fixed = await probe({ run: out, linear: { weightDecay: trained.weight_decay } });
    expect(fixed.validation_accuracy).to.equal(undefined);
    expect(fixed.accuracy).to.equal(trained.accuracy);
    // 4 balanced classes: mean-pooled token features separate them well above chance (25 %)
    expect(random.knn_accuracy).to.be.above(0.4);
  });

  it('probing a corpus without labels fails with one sentence', async function () {
    this.timeout(60_000);
    const plain = path.join(dir, 'plain.txt');
    fs.writeFileSync(plain, loadWordnetGlosses().test.slice(0, 40).map((d) => d.text).join('\n'));
    await expectRejection(probe({ randomInit: true, modality: 'text', preset: 'tiny', overrides: { data: plain, batchSize: 8, set: SMALL_MODEL } }), `${plain} has no "label" field on its documents, so there is nothing to probe`);
  });
});
