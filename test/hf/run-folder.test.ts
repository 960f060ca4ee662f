/**
 * An imported run is an ordinary run folder: `pretrain --resume` continues from the
 * imported weights (update 0, fresh optimizer state), and the trained run exports
 * again with the same tensor names and the imported config's layout.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'chai';
import { importHf } from '../../src/hf/import-hf';
import { exportHf } from '../../src/hf/export-hf';
import { pretrain } from '../../src/run/pretrain';
import { readSafetensors } from '../../src/train/safetensors';
import { fixtureDir, tempPath } from './fixture';

describe('Hugging Face interop: an imported run is a run folder', function () {
  this.timeout(120000);

  it('pretrain --resume continues from the imported weights, and the result exports with the same names', async () => {
    const run = tempPath('run');
    await importHf(fixtureDir('vision_ln'), run);
    const s = await pretrain({ resume: run, overrides: { steps: 2, batchSize: 8 }, report: false });
    expect(s.steps).to.equal(2);
    expect(Number.isFinite(s.loss_last)).to.equal(true);
    const out = tempPath('export');
    await exportHf(run, out);
    const original = readSafetensors(path.join(fixtureDir('vision_ln'), 'model.safetensors')).tensors;
    const trained = readSafetensors(path.join(out, 'model.safetensors')).tensors;
    expect([...trained.keys()].sort()).to.deep.equal([...original.keys()].sort());
    const changed = [...original].filter(([k, t]) => t.data.some((v, i) => v !== trained.get(k)?.data[i])).length;
    expect(changed, 'tensors changed by 2 updates').to.be.greaterThan(original.size / 2);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.use_absolute_position_embeddings).to.equal(true);
    expect(config.use_mean_pooling).to.equal(false);
  });
});
