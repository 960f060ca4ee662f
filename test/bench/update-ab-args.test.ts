/**
 * `bench/update-ab.ts` arguments: an unknown flag (e.g. `--name` for `--tag`) is refused in
 * one line before any timing, so it cannot run the whole comparison and overwrite the
 * day's committed result under the default file name.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { expect } from 'chai';

const BENCH = path.join(__dirname, '..', '..', 'bench', 'update-ab.js');
const ROOT = path.join(__dirname, '..', '..', '..');

describe('update-ab arguments', () => {
  it('an unknown flag is one error line and exit code 1, even next to valid ones', () => {
    const r = spawnSync(process.execPath, [BENCH, '--base', ROOT, '--rounds', '1', '--name', 'x'], { encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr.trim()).to.equal('error: unknown option --name; the options are --base, --rounds, --updates, --threads, --base-threads, --preset, --batch, --ours, --tag.');
  });

  it('a bad value is one error line too, not a stack trace', () => {
    const r = spawnSync(process.execPath, [BENCH, '--base', ROOT, '--rounds', '0'], { encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr.trim()).to.equal('error: --rounds must be a whole number of at least 1, got "0".');
  });
});
