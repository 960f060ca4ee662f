/**
 * The tutorial notebooks: committed clean (no outputs, the package's kernel, the library
 * imported by its package name, the backend printed first), and, where Jupyter is
 * installed, executed top to bottom headless on the data2vec-ts kernel (any cell error
 * fails; what some notebooks print is checked too) with the masking gallery exported to
 * HTML and opened offline in Chromium, where every plotly chart must draw from the inline
 * bundle.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT, hermeticKernel, kernelInstall, runNotebooks, skipWithoutJupyter, NotebookRun } from './jupyter-env';
import { browserUnavailableReason, checkHtmlFile, launchChromium } from '../helpers/browser';

interface Cell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  outputs?: Array<{ output_type: string; data?: Record<string, unknown>; name?: string; text?: string | string[]; ename?: string; evalue?: string }>;
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string; display_name?: string; language?: string } };
}

const NOTEBOOK_DIR = path.join(ROOT, 'notebooks');
const notebookFiles = fs.readdirSync(NOTEBOOK_DIR).filter((f) => f.endsWith('.ipynb')).sort();
const readNotebook = (file: string): Notebook => JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);

/** Everything the code cells of an executed notebook printed to stdout, in order. */
const printedBy = (nb: Notebook): string =>
  nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === 'stdout')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? ''))
    .join('');

/** What particular notebooks must print when executed (beyond running without a cell error). */
const PRINTED: Record<string, (stdout: string) => void> = {
  '04-text.ipynb': (stdout) => {
    // section 8: the masked-LM control's loss falls over its few updates
    const loss = stdout.match(/masked LM loss: (\d+\.\d+) \(mean of updates 1-5\) -> (\d+\.\d+) \(mean of updates 16-20\)/);
    expect(loss, 'the masked-LM loss line').to.not.equal(null);
    expect(Number(loss![1]), 'masked-LM loss at the start: about log 4096').to.be.within(7.8, 8.8);
    expect(Number(loss![2]), 'masked-LM loss after 20 updates').to.be.lessThan(Number(loss![1]) - 0.3);
    // section 9: probeEncoder on both encoders, final output and top-3 mean, on the seeded subset
    const probes = [...stdout.matchAll(/sense probe, (.+?), (final|top\d+): accuracy (\S+) \(validation (\S+), kNN (\S+); (\d+) train \/ (\d+) test/g)];
    expect(probes.map((m) => `${m[1]}: ${m[2]}`)).to.deep.equal(['random init: final', 'random init: top3', 'masked LM, 20 updates: final', 'masked LM, 20 updates: top3']);
    for (const m of probes) {
      for (const acc of [m[3], m[4], m[5]]) expect(Number(acc), m[0]).to.be.within(0, 1);
      expect([m[6], m[7]]).to.deep.equal(['1500', '500']);
    }
  },
  '07-full-pretraining.ipynb': (stdout) => {
    // the best-fit pool on shrinking requests: exact reuse makes every size, 2x reuses the first buffer
    expect(stdout).to.contain('reuse up to 1x the request: 10 buffers created, 31000 bytes held');
    expect(stdout).to.contain('reuse up to 2x the request: 1 buffer created, 4000 bytes held');
    // the memory budget: the free buffer is destroyed before the pool would pass 5 MiB; a request that cannot fit is refused
    expect(stdout).to.contain('budget 5 MiB: 1 free buffer destroyed (4 MiB), 1.5 MiB held');
    expect(stdout).to.match(/refused: a GPU buffer of 4\.0 MiB does not fit in the GPU memory budget of 5\.0 MiB \(D2V_WEBGPU_MEMORY_LIMIT.* beside the 1\.5 MiB in use/);
    const diff = stdout.match(/in row blocks of 4 against one product: largest difference (\S+)/);
    expect(diff, 'the row-block product line').to.not.equal(null);
    expect(Number(diff![1])).to.be.within(0, 1e-6);
  },
};

/** Modules a notebook may import besides the library: Node's own, the kernel, data frames. */
const ALLOWED_IMPORTS = new Set(['data2vec-ts', 'tslab', 'danfojs-node', 'fs', 'os', 'path', 'url', 'util', 'perf_hooks']);

describe('notebooks (committed form)', () => {
  it('the tutorial set is there: quickstart, images, speech, text, masking gallery, teacher and targets, full pretraining, data2vec 2.0, pretrained weights', () => {
    for (const name of ['01-quickstart', '02-images', '03-speech', '04-text', '05-masking-gallery', '06-teacher-and-targets', '07-full-pretraining', '08-data2vec-2', '09-pretrained-weights']) {
      expect(notebookFiles, name).to.include(`${name}.ipynb`);
    }
  });

  for (const file of notebookFiles) {
    describe(file, () => {
      const nb = readNotebook(path.join(NOTEBOOK_DIR, file));
      const code = nb.cells.filter((c) => c.cell_type === 'code');

      it('is committed without outputs or execution counts, on the data2vec-ts kernel', () => {
        expect(nb.metadata.kernelspec?.name).to.equal(kernelInstall.KERNEL_NAME);
        expect(nb.metadata.kernelspec?.display_name).to.equal(kernelInstall.DISPLAY_NAME);
        for (const c of code) {
          expect(c.outputs ?? [], sourceOf(c).slice(0, 60)).to.deep.equal([]);
          expect(c.execution_count ?? null).to.equal(null);
        }
      });

      it('is a valid nbformat 4.5 document (cell ids present and unique; checked by nbformat itself when Jupyter is installed)', function () {
        const raw = JSON.parse(fs.readFileSync(path.join(NOTEBOOK_DIR, file), 'utf8')) as { nbformat: number; nbformat_minor: number; cells: { id?: string }[] };
        expect([raw.nbformat, raw.nbformat_minor]).to.deep.equal([4, 5]);
        const ids = raw.cells.map((c) => c.id);
        ids.forEach((id) => expect(id, 'cell id').to.match(/^[a-zA-Z0-9-_]{1,64}$/));
        expect(new Set(ids).size).to.equal(ids.length);
        skipWithoutJupyter(this);
        const check = 'import nbformat, sys; nbformat.validate(nbformat.read(sys.argv[1], 4))';
        const r = spawnSync(kernelInstall.DEFAULT_PYTHON, ['-c', check, path.join(NOTEBOOK_DIR, file)], { encoding: 'utf8' });
        expect(r.status, r.stderr).to.equal(0);
      });

      it('imports the library by its package name (no relative paths) and prints the backend in its first code cell', () => {
        const imported = code.flatMap((c) => [...sourceOf(c).matchAll(/(?:from\s+|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]));
        expect(imported).to.include('data2vec-ts');
        for (const m of imported) expect(ALLOWED_IMPORTS.has(m), `import '${m}' in ${file}`).to.equal(true);
        const first = sourceOf(code[0]);
        expect(first).to.match(/describeBackend\(await initBackend\(\)\)|describeBackend\(backend\)/);
      });

      it('teaches: markdown explains before code, about one markdown cell per two code cells or more', () => {
        expect(nb.cells[0].cell_type).to.equal('markdown');
        const markdown = nb.cells.filter((c) => c.cell_type === 'markdown');
        expect(markdown.length).to.be.at.least(Math.ceil(code.length / 2));
        expect(markdown.map(sourceOf).join('\n').length, 'characters of explanation').to.be.greaterThan(1500);
      });
    });
  }
});

describe('notebooks (executed headless on the data2vec-ts kernel)', function () {
  this.timeout(20 * 60 * 1000);
  const outDir = path.join(os.tmpdir(), `d2v-notebooks-${process.pid}`);
  const runs = new Map<string, NotebookRun>();
  let jupyterPath = '';

  before(function () {
    skipWithoutJupyter(this);
    jupyterPath = hermeticKernel();
  });

  after(() => {
    const lines = [...runs.values()].map((r) => `        ${r.notebook}: ${r.seconds.toFixed(1)} s${r.ok ? '' : ' (failed)'}`);
    // eslint-disable-next-line no-console
    if (lines.length > 0) console.log(`      seconds per notebook (backend ${process.env.D2V_BACKEND || 'wasm'}):\n${lines.join('\n')}`);
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  for (const file of notebookFiles) {
    it(`${file} runs top to bottom with no cell error`, function () {
      const run = runNotebooks.executeNotebook(path.join(NOTEBOOK_DIR, file), {
        outDir,
        jupyterPath,
        timeoutS: 900,
        html: file === '05-masking-gallery.ipynb',
      });
      runs.set(file, run);
      expect(run.ok, `${file} failed:\n${run.log.split('\n').slice(-40).join('\n')}`).to.equal(true);
      const executed = readNotebook(run.executed);
      const code = executed.cells.filter((c) => c.cell_type === 'code');
      for (const c of code) {
        expect(c.execution_count, sourceOf(c).slice(0, 60)).to.be.a('number');
        expect((c.outputs ?? []).filter((o) => o.output_type === 'error')).to.deep.equal([]);
      }
      PRINTED[file]?.(printedBy(executed));
      const firstText = JSON.stringify(code[0].outputs);
      const backend = (process.env.D2V_BACKEND || 'wasm').toLowerCase();
      expect(firstText).to.contain(`backend: ${backend === 'auto' ? 'wasm' : backend} (`);
    });
  }

  it('the masking gallery, exported to HTML, draws every plotly chart offline in Chromium', async function () {
    const run = runs.get('05-masking-gallery.ipynb');
    if (run === undefined || !run.ok || run.html === undefined) this.skip();
    const reason = browserUnavailableReason();
    if (reason !== undefined) {
      // eslint-disable-next-line no-console
      console.log(`      pending: ${reason}`);
      this.skip();
    }
    const executed = fs.readFileSync(run!.executed, 'utf8');
    const expected = (executed.match(/class=\\"d2v-plot\\"/g) ?? []).length;
    expect(expected, 'charts in the executed notebook').to.be.at.least(7);
    const browser = await launchChromium();
    try {
      const page = await checkHtmlFile(browser, run!.html!);
      expect(page.plotDivs).to.equal(expected);
      expect(page.plotsDrawn).to.equal(expected);
      expect(page.blockedRequests).to.deep.equal([]);
      expect(page.externalRefs).to.deep.equal([]);
      // nbconvert links Debian's optional local require.js and MathJax; missing files are not network.
      expect(page.errors.filter((e) => !/ERR_FILE_NOT_FOUND/.test(e))).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });
});
