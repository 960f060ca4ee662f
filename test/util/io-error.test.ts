/**
 * File errors name their cause: each errno code a user meets (read-only disk, full
 * disk, permission, a file where a folder should be, a missing path) gives one sentence
 * with the path and a fix, and a folder on a pseudo file system fails at once instead
 * of looping.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { fileErrorMessage, makeDir, withFile } from '../../src/util/io-error';
import { writeFileAtomic } from '../../src/util/atomic-write';
import { writeSafetensors } from '../../src/train/safetensors';
import { writeRunReport } from '../../src/viz/report';

const errno = (code: string) => Object.assign(new Error(`${code}: syscall failed`), { code });

describe('io-error', () => {
  const cases: [string, RegExp][] = [
    ['EROFS', /read-only \(EROFS\); choose a folder on a writable disk\.$/],
    ['ENOSPC', /no space left on the device \(ENOSPC\); free some space/],
    ['EACCES', /permission is denied \(EACCES\); change the permissions/],
    ['EPERM', /not permitted there \(EPERM\); change the permissions/],
    ['ENOTDIR', /a part of the path is a file, not a folder \(ENOTDIR\); rename that file/],
    ['ENOENT', /it does not exist \(ENOENT\); check the path\.$/],
  ];
  for (const [code, expected] of cases) {
    it(`names ${code} as its cause, with the path and a fix, in one sentence`, () => {
      const m = fileErrorMessage(errno(code), 'write', '/runs/a/config.json');
      expect(m).to.match(/^cannot write \/runs\/a\/config\.json: /);
      expect(m).to.match(expected);
      expect(m.split('\n')).to.have.length(1);
      expect(m.match(/\.(\s|$)/g)).to.have.length(1);
    });
  }

  it('a caller-given fix replaces the usual one; an unknown code keeps the system message', () => {
    expect(fileErrorMessage(errno('EROFS'), 'create the folder', '/r', 'pass another --out folder')).to.equal(
      'cannot create the folder /r: the file system is read-only (EROFS); pass another --out folder.',
    );
    expect(fileErrorMessage(errno('EWEIRD'), 'read', '/r')).to.equal('cannot read /r: EWEIRD: syscall failed; check the path and the disk.');
  });

  it('withFile rewrites errno errors, keeps the code, and passes other errors through', () => {
    expect(() => withFile('write', '/x', () => { throw errno('ENOSPC'); })).to.throw(/^cannot write \/x: there is no space left/).with.property('code', 'ENOSPC');
    expect(() => withFile('write', '/x', () => { throw new RangeError('bad'); })).to.throw(RangeError, 'bad');
  });

  it('a folder under /proc fails at once, naming the pseudo file system (recursive mkdir would loop forever)', function () {
    if (!fs.existsSync('/proc/self')) this.skip();
    const started = Date.now();
    expect(() => makeDir('/proc/d2v-test/run')).to.throw(/^cannot create the folder \/proc\/d2v-test\/run: \/proc cannot hold new folders \(a pseudo file system/);
    expect(Date.now() - started).to.be.below(5000);
    expect(() => writeFileAtomic('/proc/d2v-test.json', '{}')).to.throw(/^cannot write \/proc\/d2v-test\.json: .*\(ENOENT\)/);
    expect(() => writeRunReport('/proc/d2v-test/report.html', { title: 't', summary: {}, config: {}, figures: [], notes: [] })).to.throw(/\/proc cannot hold new folders/);
  });

  it('a file where a folder should be is ENOTDIR with the offending path, for folders and for files inside them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-io-'));
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, 'x');
    expect(() => makeDir(path.join(file, 'run'))).to.throw(`cannot create the folder ${path.join(file, 'run')}: a part of the path is a file, not a folder (ENOTDIR); ${file} is a file`);
    expect(() => writeSafetensors(path.join(file, 'c.safetensors'), new Map())).to.throw(/^cannot write the safetensors file .*\(ENOTDIR\); .*any previous file there is unchanged\.$/);
    makeDir(path.join(dir, 'a', 'b', 'c'));
    expect(fs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory()).to.equal(true);
    makeDir(path.join(dir, 'a', 'b', 'c')); // exists already: no error
    fs.rmSync(dir, { recursive: true });
  });
});
