#!/usr/bin/env node
// @ts-check
/**
 * Runs the tutorial notebooks headless, top to bottom, with Jupyter's nbconvert on the
 * data2vec-ts kernel, and prints the seconds each took.
 *
 *   node scripts/run-notebooks.js [NAME ...] [--out DIR] [--html] [--timeout SECONDS]
 *   node scripts/run-notebooks.js --clear [NAME ...]
 *
 * NAME is a notebook in notebooks/ (`02-images` or `02-images.ipynb`); default: all.
 * Executed copies (and with --html, their HTML export) go to DIR (default
 * runs/notebooks); the notebooks themselves are not changed. --clear strips outputs and
 * execution counts from the notebooks in place (they are committed without outputs).
 * D2V_BACKEND picks the backend as for the CLI. Needs Jupyter (Debian's, in
 * /usr/bin/python3) and the kernel (npm run kernel:install), or pass --prefix DIR to
 * install the kernelspec for this run only under DIR.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { NOTEBOOKS, KERNEL_NAME, DEFAULT_PYTHON, JUPYTER_APT_LINE, installKernel, ROOT } = require('./kernel-install');

/** Why Jupyter cannot run notebooks with `python`, or undefined when it can. */
function jupyterMissingReason(python = DEFAULT_PYTHON) {
  const r = spawnSync(python, ['-c', 'import nbclient, nbconvert, nbformat, jupyter_client'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `Jupyter is not installed for ${python} (${JUPYTER_APT_LINE})`;
  return undefined;
}

/** The notebooks in notebooks/, sorted by name. */
function listNotebooks() {
  return fs
    .readdirSync(NOTEBOOKS)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(NOTEBOOKS, f));
}

/**
 * Resolves a NAME argument to a notebook file.
 * @param {string} name
 */
function notebookFile(name) {
  const base = name.endsWith('.ipynb') ? name : `${name}.ipynb`;
  const file = path.isAbsolute(base) ? base : path.join(NOTEBOOKS, path.basename(base));
  if (!fs.existsSync(file)) {
    throw new Error(`There is no notebook ${file}; choose one of ${listNotebooks().map((f) => path.basename(f, '.ipynb')).join(', ')}.`);
  }
  return file;
}

/**
 * The environment for Jupyter: `JUPYTER_PATH` first lists `jupyterPath` when given.
 * @param {string | undefined} jupyterPath
 * @param {Record<string, string | undefined>} [extra]
 */
function jupyterEnv(jupyterPath, extra = {}) {
  const env = { ...process.env, ...extra };
  if (jupyterPath) env.JUPYTER_PATH = [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return env;
}

/**
 * @typedef {object} RunOptions
 * @property {string} outDir where the executed notebook (and HTML) go
 * @property {number} [timeoutS] per-cell limit in seconds (default 900)
 * @property {boolean} [html] also export the executed notebook to HTML
 * @property {string} [jupyterPath] a folder with kernels/ to use before the user's
 * @property {string} [python]
 * @property {Record<string, string | undefined>} [env]
 */

/**
 * @typedef {object} RunResult
 * @property {string} notebook
 * @property {boolean} ok
 * @property {number} seconds
 * @property {string} executed path of the executed copy
 * @property {string} [html] path of the HTML export
 * @property {string} log nbconvert's output (the failing cell and its error when not ok)
 */

/** Seconds nbclient waits for a started kernel to answer. */
const KERNEL_STARTUP_TIMEOUT_S = 300;

/**
 * Executes one notebook headless with nbconvert (a cell error stops it and fails it).
 * @param {string} file
 * @param {RunOptions} options
 * @returns {RunResult}
 */
function executeNotebook(file, options) {
  const python = options.python ?? DEFAULT_PYTHON;
  const env = jupyterEnv(options.jupyterPath, options.env);
  fs.mkdirSync(options.outDir, { recursive: true });
  const name = path.basename(file);
  const executed = path.join(options.outDir, name);
  const started = Date.now();
  const run = spawnSync(
    python,
    [
      '-m', 'nbconvert', '--to', 'notebook', '--execute',
      `--ExecutePreprocessor.timeout=${options.timeoutS ?? 900}`,
      // the kernel's start (Node, tslab, the library) took over nbclient's 60 s default on a busy 2-core machine
      `--ExecutePreprocessor.startup_timeout=${KERNEL_STARTUP_TIMEOUT_S}`,
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      '--output-dir', options.outDir, '--output', name, file,
    ],
    { encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20 },
  );
  const seconds = (Date.now() - started) / 1000;
  let log = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  let ok = run.status === 0 && !run.error;
  /** @type {string | undefined} */
  let html;
  if (ok && options.html) {
    const exp = spawnSync(python, ['-m', 'nbconvert', '--to', 'html', '--output-dir', options.outDir, executed], { encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20 });
    log += `${exp.stdout ?? ''}${exp.stderr ?? ''}`;
    html = executed.replace(/\.ipynb$/, '.html');
    ok = exp.status === 0 && fs.existsSync(html);
  }
  return { notebook: name, ok, seconds, executed, html, log };
}

/**
 * Strips outputs, execution counts and run metadata from notebooks in place.
 * @param {string[]} files
 * @param {string} [python]
 */
function clearNotebooks(files, python = DEFAULT_PYTHON) {
  const r = spawnSync(python, ['-m', 'nbconvert', '--clear-output', '--inplace', ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`Clearing outputs failed: ${(r.stderr || '').trim().split('\n').pop()}`);
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ names: string[], outDir: string, html: boolean, clear: boolean, timeoutS: number, prefix?: string }} */
  const o = { names: [], outDir: path.join(ROOT, 'runs', 'notebooks'), html: false, clear: false, timeoutS: 900 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--html') o.html = true;
    else if (a === '--clear') o.clear = true;
    else if (a === '--out') o.outDir = path.resolve(argv[++i] ?? '');
    else if (a === '--prefix') o.prefix = path.resolve(argv[++i] ?? '');
    else if (a === '--timeout') {
      o.timeoutS = Number(argv[++i]);
      if (!(o.timeoutS > 0)) throw new Error(`--timeout must be a positive number of seconds, got "${argv[i]}".`);
    } else if (a.startsWith('--')) throw new Error(`Unknown option "${a}"; use --out DIR, --html, --timeout SECONDS, --prefix DIR or --clear.`);
    else o.names.push(a);
  }
  return o;
}

function main() {
  try {
    const o = parseArgs(process.argv.slice(2));
    const files = o.names.length > 0 ? o.names.map(notebookFile) : listNotebooks();
    const missing = jupyterMissingReason();
    if (missing) throw new Error(missing);
    if (o.clear) {
      clearNotebooks(files);
      process.stdout.write(`Cleared the outputs of ${files.length} notebook(s).\n`);
      return;
    }
    let jupyterPath;
    if (o.prefix) {
      installKernel({ prefix: o.prefix });
      jupyterPath = path.join(o.prefix, 'share', 'jupyter');
    }
    let failed = 0;
    let total = 0;
    for (const file of files) {
      process.stdout.write(`${path.basename(file)} ... `);
      const r = executeNotebook(file, { outDir: o.outDir, html: o.html, timeoutS: o.timeoutS, jupyterPath });
      total += r.seconds;
      process.stdout.write(`${r.ok ? 'ok' : 'FAILED'} in ${r.seconds.toFixed(1)} s\n`);
      if (!r.ok) {
        failed++;
        process.stdout.write(r.log.split('\n').slice(-40).join('\n') + '\n');
      }
    }
    process.stdout.write(`${files.length - failed} passed, ${failed} failed in ${total.toFixed(1)} s; executed copies in ${path.relative(process.cwd(), o.outDir) || '.'}\n`);
    if (failed > 0) process.exitCode = 1;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

module.exports = { jupyterMissingReason, listNotebooks, notebookFile, executeNotebook, clearNotebooks, jupyterEnv };

if (require.main === module) main();
