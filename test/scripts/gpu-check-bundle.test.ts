/**
 * The offline gpu-check bundle (scripts/bundle-gpu-check.js): its MANIFEST.json lists
 * exactly the files the bundle folder holds, with their sizes, and exactly the files
 * its payload unpacks to; the total stays under the size limit; a limit the bundle
 * cannot meet fails in one line and leaves nothing behind. Built here without the
 * Node.js binary and with gzip, to stay fast (`npm run bundle:gpu-check` builds the
 * full one and enforces the same limit).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BUNDLER = path.join(ROOT, 'scripts', 'bundle-gpu-check.js');

interface Manifest {
  limit_bytes: number;
  total_bytes: number;
  files: { path: string; bytes: number }[];
  payload: { path: string; bytes: number }[];
  parts: Record<string, { files: number; bytes: number; compressed_bytes: number }>;
}

describe('gpu-check offline bundle', function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-bundle-test-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the manifest lists exactly the files that exist, with their sizes, and the total is under the limit', () => {
    const out = path.join(dir, 'bundle');
    const r = spawnSync(process.execPath, [BUNDLER, '--skip-node', '--gzip', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'MANIFEST.json'), 'utf8')) as Manifest;
    const onDisk = fs.readdirSync(out).filter((f) => f !== 'MANIFEST.json').sort();
    expect(manifest.files.map((f) => f.path).sort()).to.deep.equal(onDisk);
    expect(onDisk).to.include.members(['run.sh', 'README.txt', 'payload.tar.gz']);
    for (const f of manifest.files) expect(fs.statSync(path.join(out, f.path)).size, f.path).to.equal(f.bytes);
    // the payload unpacks to exactly the listed files, with the listed sizes
    const listing = spawnSync('sh', ['-c', `gzip -dc "${path.join(out, 'payload.tar.gz')}" | tar -tvif -`], { encoding: 'utf8' });
    expect(listing.status).to.equal(0);
    const entries = listing.stdout.trim().split('\n').filter((l) => !l.startsWith('d')).map((l) => {
      const cols = l.trim().split(/\s+/);
      return { path: cols.slice(5).join(' ').replace(/^\.\//, ''), bytes: Number(cols[2]) };
    });
    expect(entries.sort((a, b) => a.path.localeCompare(b.path))).to.deep.equal(manifest.payload);
    expect(manifest.payload.map((f) => f.path)).to.include.members(['app/gpu-check.js', 'app/webgpu.test.js', 'app/gpu-parity.js', 'app/node_modules/webgpu/index.js', 'app/package.json']);
    expect(manifest.payload.some((f) => f.path.endsWith('/dawn.node'))).to.equal(true);
    expect(manifest.payload.some((f) => f.path === 'node')).to.equal(false);
    // parts add up to the payload; the whole folder is within the manifest's total and the limit
    expect(Object.values(manifest.parts).reduce((s, p) => s + p.bytes, 0)).to.equal(manifest.payload.reduce((s, f) => s + f.bytes, 0));
    const size = fs.readdirSync(out).reduce((s, f) => s + fs.statSync(path.join(out, f)).size, 0);
    expect(size).to.equal(manifest.total_bytes);
    expect(manifest.total_bytes).to.be.below(manifest.limit_bytes);
    expect(manifest.limit_bytes).to.equal(60 * 1024 * 1024);
  });

  it('a bundle over the limit fails in one line and leaves nothing', () => {
    const out = path.join(dir, 'too-big');
    const r = spawnSync(process.execPath, [BUNDLER, '--skip-node', '--gzip', '--limit-mib', '1', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split('\n').pop()).to.match(/^error: the bundle is \d+\.\d MiB, over the 1 MiB limit; nothing was written\.$/);
    expect(fs.existsSync(out)).to.equal(false);
    expect(fs.existsSync(`${out}.part`)).to.equal(false);
  });
});
