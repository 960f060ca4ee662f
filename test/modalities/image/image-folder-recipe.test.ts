/**
 * The image recipes on a generated image folder (modalities/image/folder-data.ts):
 * `--data DIR` streams it, the `base` presets read it at 224×224×3 with patches of
 * 16 (shrunk in width and depth here), training runs through the worker-fed
 * prefetch with `data_wait_ms` in every row, each micro-batch reports its files, and
 * the probe's features carry the
 * folder labels of `val/`.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import { imageV1Recipe } from '../../../src/modalities/image/recipe-v1';
import { imageV2Recipe } from '../../../src/modalities/image/recipe-v2';
import { Trainer } from '../../../src/train/trainer';
import { makeImageFolder } from '../../helpers/image-folder-fixture';
import { sampleIndices } from '../../../src/data/batch-order';
import { pretrain } from '../../../src/run/pretrain';
import { openImageCorpus, trainImageStream } from '../../../src/modalities/image/folder-data';
import { V1_TRAIN_TRANSFORM } from '../../../src/modalities/image/image-transform';
import * as os from 'os';
import * as path from 'path';

describe('image recipes on an image folder', function () {
  this.timeout(240000);
  let root: string;
  before(async () => {
    root = await makeImageFolder(6);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const micro = { 'model.dim': '32', 'model.depth': '2', 'model.heads': '2', 'loader.workers': '1' };

  it('v1 base: 224×224×3 views streamed into two updates, data_wait_ms recorded, probe features labelled by folder', async () => {
    const config = imageV1Recipe.config('base', { data: root, steps: 2, batchSize: 4, set: { ...micro, 'data2vec.targets.topK': '2', 'evalBatchSize': '3' } });
    expect(config.model.imageSize).to.deep.equal([224, 224]);
    expect(config.model.patchSize).to.equal(16);
    const data = imageV1Recipe.loadData(config);
    expect(data.trainSize).to.equal(12);
    expect(data.testSize).to.equal(4);
    expect(data.describe).to.match(/12 train \/ 4 test images in 2 classes/);
    const setup = imageV1Recipe.build(config, data);
    const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
    const r = await trainer.run();
    expect(r.rows).to.have.length(2);
    for (const row of r.rows) {
      expect(Number.isFinite(row.loss)).to.equal(true);
      expect(row.data_wait_ms).to.be.at.least(0);
    }
    // the last micro-batch drawn reports its files: batch position 1 of the seeded file order
    const order = sampleIndices(12, 4, 4, `${config.seed}:order`);
    expect(setup.batches.samples!(1, 0)).to.deep.equal({ files: order.map((i) => data.source!.train[i].file) });
    const features = await imageV1Recipe.features(setup.encoder, config, data, 'test');
    expect(features.n).to.equal(4);
    expect(features.dim).to.equal(32);
    expect([...features.y]).to.deep.equal([0, 0, 1, 1]);
    expect(features.x.every(Number.isFinite)).to.equal(true);
    trainer.dispose();
    setup.objective.dispose();
  });

  it('pretrain ends with a warning that counts the unreadable files training skipped, and goes on past them', async () => {
    const bad = await makeImageFolder(6);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-skip-run-'));
    try {
      for (const cls of ['cat', 'dog']) fs.writeFileSync(path.join(bad, 'train', cls, `broken_${cls}.jpg`), 'not an image');
      const warnings: string[] = [];
      // 4 updates of 4 cover the first epoch of the 14 training files, so both broken ones are drawn
      const s = await pretrain({
        modality: 'image', preset: 'base', out, report: false, onWarning: (w) => warnings.push(w),
        overrides: { data: bad, steps: 4, batchSize: 4, maxSkipRate: 0.5, set: { ...micro, 'data2vec.targets.topK': '2' } },
      });
      expect(s.steps).to.equal(4);
      const line = s.warnings.find((w) => w.startsWith('training skipped'));
      expect(line, JSON.stringify(s.warnings)).to.match(/^training skipped 2 unreadable files \(2 not a readable image\), each replaced by the next readable one; first: .*broken_(cat|dog)\.jpg is not a readable image/);
      expect(warnings).to.include(line);
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('the training stream counts each folder file once: an unreadable one found while decoding adds a skip, not a file seen', async () => {
    const bad = await makeImageFolder(6);
    try {
      fs.writeFileSync(path.join(bad, 'train', 'cat', 'broken.jpg'), 'not an image');
      const source = openImageCorpus(bad, { workers: 0, prefetch: 0, maxSkipRate: 0.5 }, 0);
      expect(source.skips.summary()).to.equal('skipped 0 of 17 files');
      const stream = trainImageStream(source, V1_TRAIN_TRANSFORM, 13, { workers: 0, prefetch: 0, maxSkipRate: 0.5 }, 0);
      try {
        await stream.batch(0);
        await stream.batch(1); // the first epoch of 13 training files, read twice over
      } finally {
        await stream.close();
      }
      expect(source.skips.summary()).to.equal('skipped 1 of 17 files: 1 not a readable image');
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });

  it('v2 base-28 keeps Fashion-MNIST, and v2 base reads the folder at 224² with the 14×14 inverse block masks', async () => {
    expect(imageV2Recipe.config('base-28').model.imageSize).to.deep.equal([28, 28]);
    const config = imageV2Recipe.config('base', { data: root, steps: 1, batchSize: 2, set: { ...micro, 'model.prenetDepth': '1', 'model.depth': '1', 'decoder.dim': '16', 'decoder.layers': '1', 'decoder.groups': '4', 'data2vec.clones': '2', 'data2vec.targets.topK': '1' } });
    const data = imageV2Recipe.loadData(config);
    const setup = imageV2Recipe.build(config, data);
    const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
    const r = await trainer.run();
    expect(Number.isFinite(r.rows[0].loss)).to.equal(true);
    trainer.dispose();
    setup.objective.dispose();
  });
});
