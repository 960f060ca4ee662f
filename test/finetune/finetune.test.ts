/**
 * A tiny fine-tuning run end to end (spec §6 fine-tuning, §7 held-out accuracy):
 * the tiny image v1 encoder at random init on a 512-image slice, 60 updates. The
 * training loss falls, held-out accuracy is above chance (10 classes: 0.10, and
 * 0.17 is four standard errors above it on 300 images), and the run
 * folder holds config.json, metrics.csv (test_accuracy at each evaluation),
 * report.html with the accuracy chart, and a checkpoint with the head's weights.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { finetune } from '../../src/finetune/finetune';
import { loadSafetensors } from '../../src/train/safetensors';

describe('finetune', function () {
  this.timeout(300000);

  it('trains a classifier on a small slice: loss falls, accuracy beats chance, the run folder is complete', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-ft-')), 'run');
    const s = await finetune({
      randomInit: true, modality: 'image', algo: 'v1', preset: 'tiny', out,
      settings: { updates: 60, batchSize: 32, maxTrain: 512, maxTest: 300, evalEvery: 30, lr: 5e-3 },
    });
    expect(s.source).to.equal('random-init');
    expect(s.updates).to.equal(60);
    expect(s.n_train).to.equal(512);
    expect(s.n_test).to.equal(300);
    expect(s.epochs).to.equal(3.75);
    expect(s.test_accuracy).to.be.above(0.17);
    const lines = fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).to.have.length(60);
    const col = (name: string) => rows.map((r) => r[head.indexOf(name)]);
    const loss = col('loss').map(Number);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(loss.slice(-10))).to.be.below(mean(loss.slice(0, 10)) - 0.1);
    const acc = col('test_accuracy');
    expect(acc.filter((v) => v !== '').length).to.equal(2);
    expect(acc[29]).to.not.equal('');
    expect(Number(acc[59])).to.equal(s.test_accuracy);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.kind).to.equal('finetune');
    expect(config.settings.layerDecay).to.equal(0.75);
    expect(config.encoder.model.dropPath).to.equal(0.1);
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).to.contain('test-accuracy');
    const ckpt = loadSafetensors(path.join(out, 'checkpoint.safetensors'));
    expect(ckpt.tensors.get('model.head.weight')!.shape).to.deep.equal([64, 10]);
    expect(ckpt.tensors.has('model.encoder.blocks.layers.3.mlp.fc2.weight')).to.equal(true);
    expect(ckpt.metadata.update).to.equal('60');
    ckpt.tensors.forEach((t) => t.dispose());
  });
});
