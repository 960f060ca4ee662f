/**
 * The data2vec-ts Jupyter kernel: its kernelspec and package link (no Jupyter needed), the
 * protocol fixes' pure parts, and, where Jupyter is installed, the Jupyter project's kernel
 * conformance suite (test/kernel/test_kernel.py) run against this checkout's kernel.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT, hermeticKernel, kernelInstall, skipWithoutJupyter } from '../notebooks/jupyter-env';

interface KernelProtocol {
  TSLAB_VERSION: string;
  expandShorthandProperties(ts: unknown, src: string): string;
  describeErrors(errors: unknown[][]): { ename: string; evalue: string; traceback: string[] };
  globToRegExp(pattern: string): RegExp;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protocol = require(path.join(ROOT, 'scripts', 'kernel-protocol.js')) as KernelProtocol;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tslabTs = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.dirname(require.resolve('tslab/package.json', { paths: [ROOT] }))] })) as unknown;

describe('kernelspec and package link', () => {
  it('names node and the start script by absolute paths, with the display name and language', () => {
    const spec = kernelInstall.kernelSpec();
    expect(spec.argv).to.deep.equal([process.execPath, path.join(ROOT, 'scripts', 'kernel-install.js'), 'start', '{connection_file}']);
    expect(path.isAbsolute(spec.argv[0]) && path.isAbsolute(spec.argv[1])).to.equal(true);
    expect(spec.display_name).to.equal('TypeScript (data2vec-ts)');
    expect(spec.language).to.equal('typescript');
    expect(spec.env).to.deep.equal({});
    expect(kernelInstall.kernelSpec({ backend: 'cpu' }).env).to.deep.equal({ D2V_BACKEND: 'cpu' });
  });

  it('links notebooks/node_modules/data2vec-ts to the package root, so the package name resolves from notebooks/', () => {
    const dir = fs.mkdtempSync(path.join(ROOT, 'notebooks', '.link-test-'));
    try {
      const link = kernelInstall.ensurePackageLink(dir);
      expect(fs.readlinkSync(link)).to.equal(path.relative(path.join(dir, 'node_modules'), ROOT));
      expect(kernelInstall.ensurePackageLink(dir)).to.equal(link);
      const resolved = require.resolve('data2vec-ts/package.json', { paths: [dir] });
      expect(fs.realpathSync(resolved)).to.equal(fs.realpathSync(path.join(ROOT, 'package.json')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown backend and a Python without Jupyter with one sentence each', () => {
    expect(() => kernelInstall.installKernel({ backend: 'gpu' })).to.throw('--backend is "gpu", which is not a backend; use one of auto, wasm, cpu, tensorflow.');
    expect(() => kernelInstall.installKernel({ python: path.join(os.tmpdir(), 'no-such-python') })).to.throw(/has no Jupyter \(jupyter_client\); install it with: apt-get update/);
  });
});

describe('kernel protocol fixes', () => {
  it('are written for the installed tslab', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const installed = (require(require.resolve('tslab/package.json', { paths: [ROOT] })) as { version: string }).version;
    expect(installed).to.equal(protocol.TSLAB_VERSION);
  });

  it('write shorthand properties out in full, and nothing else', () => {
    const src = 'const o = { bs, x: 1, y }; ({ a, b = 2 } = q); const { c } = o; f({bs})';
    expect(protocol.expandShorthandProperties(tslabTs, src)).to.equal('const o = { bs: bs, x: 1, y: y }; ({ a: a, b: b = 2 } = q); const { c } = o; f({bs: bs})');
    expect(protocol.expandShorthandProperties(tslabTs, 'const { c, d } = o;')).to.equal('const { c, d } = o;');
  });

  it('describe thrown errors by name and message, and TypeScript diagnostics line by line', () => {
    const e = new RangeError('bad');
    const thrown = protocol.describeErrors([[e]]);
    expect([thrown.ename, thrown.evalue, thrown.traceback[0]]).to.deep.equal(['RangeError', 'bad', 'RangeError: bad']);
    const diag = protocol.describeErrors([
      ['%s%d:%d - %s', '', 1, 7, "Type 'string' is not assignable to type 'number'."],
      ['%s%d:%d - %s', '', 2, 1, "Cannot find name 'x'."],
    ]);
    expect(diag).to.deep.equal({
      ename: 'TypeScriptError',
      evalue: "1:7 - Type 'string' is not assignable to type 'number'.",
      traceback: ["1:7 - Type 'string' is not assignable to type 'number'.", "2:1 - Cannot find name 'x'."],
    });
  });

  it('match history searches as glob patterns over the whole input', () => {
    const re = protocol.globToRegExp('6 * 7');
    expect(re.test('6 * 7')).to.equal(true);
    expect(re.test('16 * 7')).to.equal(false);
    expect(protocol.globToRegExp('a?c').test('abc')).to.equal(true);
    expect(protocol.globToRegExp('a.c').test('abc')).to.equal(false);
  });
});

describe('kernel conformance (jupyter_kernel_test)', function () {
  this.timeout(10 * 60 * 1000);

  before(function () {
    skipWithoutJupyter(this);
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import jupyter_kernel_test'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      // eslint-disable-next-line no-console
      console.log('      pending: python3-jupyter-kernel-test is not installed (apt-get install -y python3-jupyter-kernel-test)');
      this.skip();
    }
  });

  it('passes every test of the suite for the features tslab has (pager and clear_output skipped)', () => {
    const jupyterPath = hermeticKernel();
    const started = Date.now();
    const run = spawnSync('/usr/bin/python3', ['-m', 'unittest', 'discover', '-s', path.join(ROOT, 'test', 'kernel'), '-p', 'test_*.py', '-v'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) },
      maxBuffer: 16 * 2 ** 20,
    });
    const out = `${run.stdout}${run.stderr}`;
    const lines = out.split('\n').filter((l) => / \.\.\. (ok|skipped|FAIL|ERROR)/.test(l));
    // eslint-disable-next-line no-console
    console.log(`      ${lines.length} kernel tests in ${((Date.now() - started) / 1000).toFixed(0)} s:\n${lines.map((l) => `        ${l.trim()}`).join('\n')}`);
    expect(run.status, out.split('\n').slice(-60).join('\n')).to.equal(0);
    const skipped = lines.filter((l) => /skipped/.test(l)).map((l) => l.split(' ')[0]);
    expect(skipped.sort()).to.deep.equal(['test_clear_output', 'test_pager']);
    for (const name of ['test_execute_result', 'test_error', 'test_history', 'test_completion', 'test_inspect', 'test_display_data', 'test_is_complete', 'test_kernel_info']) {
      expect(lines.some((l) => l.startsWith(`${name} `) && / \.\.\. ok$/.test(l)), name).to.equal(true);
    }
  });
});
