/** Leftovers of an interrupted atomic write are removed at the next start in the folder, and reported. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { expect } from 'chai';
import { removeStaleTempFiles, tempFileWriter } from '../../src/util/stale-temp';
import { writeSafetensors } from '../../src/train/safetensors';
import { pretrain } from '../../src/run/pretrain';

/** The id of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('stale temporary files', function () {
  this.timeout(120000);

  it('recognises the temporary names of the checkpoint, config and report writers', () => {
    expect(tempFileWriter('checkpoint.safetensors.tmp-4242')).to.equal(4242);
    expect(tempFileWriter('config.json.tmp-17')).to.equal(17);
    expect(tempFileWriter('.report.html.99.1733300000000.tmp')).to.equal(99);
    expect(tempFileWriter('checkpoint.safetensors')).to.equal(undefined);
    expect(tempFileWriter('notes.tmp-x')).to.equal(undefined);
  });

  it('removes the files of writers that are gone, keeps those of a running writer and every other file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-stale-'));
    const dead = deadPid();
    const stale = [`checkpoint.safetensors.tmp-${dead}`, `config.json.tmp-${dead}`, `.report.html.${dead}.1733300000000.tmp`];
    const live = `checkpoint.safetensors.tmp-${process.ppid}`;
    for (const f of [...stale, live, 'checkpoint.safetensors', 'metrics.csv']) fs.writeFileSync(path.join(dir, f), 'x');
    const removed = removeStaleTempFiles(dir).map((f) => path.basename(f)).sort();
    expect(removed).to.deep.equal([...stale].sort());
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['checkpoint.safetensors', live, 'metrics.csv'].sort());
    expect(removeStaleTempFiles(path.join(dir, 'missing'))).to.deep.equal([]);
    fs.rmSync(dir, { recursive: true });
  });

  it('a checkpoint write killed before its rename leaves a temporary file that the next pretrain start removes and reports', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-stale-run-'));
    // the real writer, stopped between the synced temporary file and the rename (as a kill there would)
    let left = '';
    expect(() => writeSafetensors(path.join(dir, 'checkpoint.safetensors'), new Map([['w', { data: new Float32Array(2), shape: [2] }]]), undefined, {
      beforeRename: (tmp) => {
        left = `${tmp.replace(/\.tmp-\d+$/, '')}.tmp-${deadPid()}`;
        fs.copyFileSync(tmp, left);
        throw new Error('killed');
      },
    })).to.throw(/killed/);
    expect(fs.existsSync(left)).to.equal(true);
    const warnings: string[] = [];
    const summary = await pretrain({
      modality: 'image', preset: 'tiny', out: dir, report: false,
      overrides: { steps: 1, batchSize: 4, set: { 'model.dim': '16', 'model.depth': '1', 'model.heads': '1', 'data2vec.targets.topK': '1' } },
      onWarning: (w) => warnings.push(w),
    });
    expect(fs.existsSync(left)).to.equal(false);
    expect(warnings[0]).to.equal(`removed ${left}, left by a write that was interrupted (the files it was replacing are intact).`);
    expect(summary.warnings[0]).to.equal(warnings[0]);
    expect(fs.readdirSync(dir).filter((f) => tempFileWriter(f) !== undefined)).to.deep.equal([]);
    fs.rmSync(dir, { recursive: true });
  });
});
