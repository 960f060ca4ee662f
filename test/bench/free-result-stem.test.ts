/**
 * `bench/free-result-stem.ts`: a benchmark run without `--name` never replaces the files
 * of an earlier run of the same day (`npm run bench:curves` used to overwrite
 * `bench/results/learning-curves-<date>.*`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { expect } from 'chai';
import { freeResultStem } from '../../bench/free-result-stem';

describe('free result stem', () => {
  it('keeps the base name while it is free, then takes the first free suffix over every extension', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-stem-'));
    try {
      const ext = ['.json', '.html', '.png'];
      expect(freeResultStem(dir, 'curves-2026-12-05', ext)).to.equal(path.join(dir, 'curves-2026-12-05'));
      fs.writeFileSync(path.join(dir, 'curves-2026-12-05.png'), '');
      expect(freeResultStem(dir, 'curves-2026-12-05', ext)).to.equal(path.join(dir, 'curves-2026-12-05-2'));
      fs.writeFileSync(path.join(dir, 'curves-2026-12-05-2.json'), '');
      fs.writeFileSync(path.join(dir, 'curves-2026-12-05-4.json'), '');
      expect(freeResultStem(dir, 'curves-2026-12-05', ext)).to.equal(path.join(dir, 'curves-2026-12-05-3'));
      expect(freeResultStem(dir, 'other', ext)).to.equal(path.join(dir, 'other'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('learning-curves without --name writes beside the day\'s earlier files instead of over them', function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-curves-'));
    try {
      const today = `learning-curves-${new Date().toISOString().slice(0, 10)}`;
      fs.writeFileSync(path.join(dir, `${today}.json`), 'an earlier run');
      const from = path.join(__dirname, '..', '..', '..', 'bench', 'results', 'learning-curves-2026-12-04-image-8min.json');
      const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bench', 'learning-curves.js'), '--from', from, '--out-dir', dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      expect(fs.readFileSync(path.join(dir, `${today}.json`), 'utf8')).to.equal('an earlier run');
      expect(JSON.parse(fs.readFileSync(path.join(dir, `${today}-2.json`), 'utf8')).modalities).to.have.property('image');
      expect(fs.existsSync(path.join(dir, `${today}-2.html`))).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
