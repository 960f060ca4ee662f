/**
 * A short soak: 80 updates of a micro image v1 `pretrain` (trainer, metrics log,
 * checkpoints, EMA teacher) sampled every 10 updates keep exactly the same live
 * tensors and tensor bytes after a warm-up of 20; the same run with a hook that keeps
 * one tensor per update is flagged by the same criterion, with a slope of 1,000
 * tensors per 1,000 updates; each sample says where the resident set lies (on Linux
 * the wasm heap's resident pages, within its span). The other five recipes, shrunk further, keep the same
 * live tensors and bytes over 40 updates through `pretrain`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { soak, SoakOptions } from '../../src/run/soak';
import { MICRO_RECIPES, MICRO_SETS } from '../helpers/micro-recipes';

describe('soak', function () {
  this.timeout(180000);

  it('keeps live tensors constant over 80 updates, and catches one tensor kept per update', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-soak-'));
    const base: Omit<SoakOptions, 'out'> = {
      modality: 'image',
      algo: 'v1',
      updates: 80,
      every: 10,
      overrides: { batchSize: 8, set: MICRO_SETS['image-v1'] },
      criteria: { warmupUpdates: 20, maxRssSlopeMbPer1000: Infinity },
      report: false,
    };
    const before = tf.memory().numTensors;
    const clean = await soak({ ...base, out: path.join(dir, 'clean') });
    expect(clean.samples.map((s) => s.update)).to.deep.equal([0, 10, 20, 30, 40, 50, 60, 70, 80]);
    const judged = clean.samples.filter((s) => s.update >= 20);
    expect(new Set(judged.map((s) => s.tensors)).size).to.equal(1);
    expect(new Set(judged.map((s) => s.tensorMb)).size).to.equal(1);
    const tensors = clean.verdict.checks.find((c) => c.name === 'tensors')!;
    expect(tensors).to.include({ pass: true, slopePer1000: 0, change: 0 });
    expect(clean.verdict.checks.find((c) => c.name === 'tensor bytes')!.pass).to.equal(true);
    expect(tf.memory().numTensors).to.equal(before);
    // each sample says where the resident set lies: on Linux the tfjs heap's mapping is found and
    // holds at most its span resident; the heap's memory is part of `external`
    for (const s of clean.samples) {
      expect(s.externalMb).to.be.at.least(s.heapMb!);
      expect(s.arrayBuffersMb).to.be.at.most(s.externalMb!);
      if (process.platform !== 'linux') continue;
      expect(s.wasmResidentMb).to.be.a('number');
      expect(s.wasmResidentMb).to.be.within(0, s.heapMb!);
      expect(s.wasmResidentMb! + s.cHeapMb! + s.otherAnonMb! + s.fileMb!).to.be.closeTo(s.rssMb, 0.05 * s.rssMb);
    }
    if (process.platform === 'linux') expect(clean.verdict.checks.map((c) => c.name)).to.include('rss outside the wasm heap');

    const kept: tf.Tensor[] = [];
    const leaky = await soak({ ...base, out: path.join(dir, 'leaky'), onUpdate: () => kept.push(tf.scalar(1)) });
    tf.dispose(kept);
    const leak = leaky.verdict.checks.find((c) => c.name === 'tensors')!;
    expect(leaky.verdict.pass).to.equal(false);
    expect(leak.pass).to.equal(false);
    expect(leak.change).to.equal(60);
    expect(leak.slopePer1000).to.be.closeTo(1000, 1e-6);
    expect(leaky.verdict.checks.find((c) => c.name === 'tensor bytes')!.pass).to.equal(false);
    fs.rmSync(dir, { recursive: true });
  });

  for (const name of MICRO_RECIPES.filter((n) => n !== 'image-v1')) {
    it(`${name}: the same live tensors and bytes from update 10 to 40`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `d2v-soak-${name}-`));
      const [modality, algo] = name.split('-');
      const r = await soak({
        modality, algo, updates: 40, every: 10, out: dir, report: false,
        overrides: { batchSize: 2, set: MICRO_SETS[name] },
        criteria: { warmupUpdates: 10, maxRssSlopeMbPer1000: Infinity },
      });
      const judged = r.samples.filter((s) => s.update >= 10);
      expect(judged.map((s) => s.update)).to.deep.equal([10, 20, 30, 40]);
      expect(new Set(judged.map((s) => `${s.tensors}/${s.tensorMb}`)).size).to.equal(1);
      expect(r.verdict.checks.filter((c) => c.name === 'tensors' || c.name === 'tensor bytes').every((c) => c.pass)).to.equal(true);
      fs.rmSync(dir, { recursive: true });
    });
  }
});
