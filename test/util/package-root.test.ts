/**
 * The package folder walk: found from src/ and dist/, past another package's
 * manifest (even an unparsable one), and a one-sentence error above every package.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packageRoot } from '../../src/util/package-root';

describe('packageRoot', () => {
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-root-')); });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds the folder whose package.json is data2vec-ts, which holds the bundled data sets', () => {
    const root = packageRoot();
    expect((JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string }).name).to.equal('data2vec-ts');
    expect(fs.existsSync(path.join(root, 'datasets', 'fashion-mnist'))).to.equal(true);
    // compiled tests run from dist/test/util: the walk passes dist/ and dist/test/ (no package.json) to reach the root
    expect(path.relative(root, __dirname)).to.equal(path.join('dist', 'test', 'util'));
  });

  it('walks past the package.json of another package, readable or not', () => {
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'data2vec-ts' }));
    fs.mkdirSync(path.join(tmp, 'node_modules', 'other', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'node_modules', 'package.json'), '{ not json');
    fs.writeFileSync(path.join(tmp, 'node_modules', 'other', 'package.json'), JSON.stringify({ name: 'other' }));
    expect(packageRoot(path.join(tmp, 'node_modules', 'other', 'lib'))).to.equal(tmp);
  });

  it('says which folder it searched from and what to do when no package.json above is data2vec-ts', () => {
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'other' }));
    expect(() => packageRoot(tmp)).to.throw(`cannot find the data2vec-ts package folder above ${tmp}; reinstall data2vec-ts.`);
  });
});
