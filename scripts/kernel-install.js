#!/usr/bin/env node
// @ts-check
/**
 * The Jupyter kernel of this package: a tslab (TypeScript) kernel named `data2vec-ts`,
 * shown as "TypeScript (data2vec-ts)", in which notebooks import the library by its
 * package name.
 *
 *   node scripts/kernel-install.js [--python P] [--prefix DIR] [--backend NAME] [--name N]
 *       registers the kernel with the Jupyter of Python P (default /usr/bin/python3, the
 *       Debian Jupyter); per user, or under DIR/share/jupyter/kernels with --prefix.
 *   node scripts/kernel-install.js start CONNECTION_FILE
 *       what Jupyter runs (the kernelspec names this file and node by absolute paths,
 *       since Jupyter starts kernels without node_modules/.bin on PATH).
 *   node scripts/kernel-install.js link
 *       only makes `data2vec-ts` importable from notebooks/ (see below).
 *
 * Import by package name: tslab type-checks each cell with TypeScript's node10 module
 * resolution from the kernel's working folder (the notebook's folder) and compiles
 * local .ts files only from inside it. `notebooks/node_modules/data2vec-ts` is a link to
 * the package root, so both Node and TypeScript find `data2vec-ts` (package.json
 * `main`/`types`: dist/src/index.js and its .d.ts) from any notebook in notebooks/.
 * The link lives under notebooks/ rather than the root node_modules/ because
 * `npm install` prunes packages it does not know from the root; the kernel re-creates
 * it at every start, so a fresh clone or a re-install needs no extra step.
 *
 * The backend is chosen as the CLI chooses it: D2V_BACKEND from the environment Jupyter
 * was started in (wasm by default), or pinned in the kernelspec with --backend.
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

/** The package root (the folder holding package.json). */
const ROOT = path.resolve(__dirname, '..');
/** Folder of the tutorial notebooks. */
const NOTEBOOKS = path.join(ROOT, 'notebooks');
/** The kernel's name in Jupyter (kernelspec folder and notebook metadata). */
const KERNEL_NAME = 'data2vec-ts';
/** The kernel's name in Jupyter's menus. */
const DISPLAY_NAME = 'TypeScript (data2vec-ts)';
/** The Python that carries Debian's Jupyter. */
const DEFAULT_PYTHON = '/usr/bin/python3';
/** The one command line that installs the Jupyter this kernel is tested with. */
const JUPYTER_APT_LINE =
  'apt-get update && apt-get install -y python3-nbclient python3-nbconvert python3-nbformat jupyter-client python3-ipykernel python3-jupyter-kernel-test';
const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow'];

/**
 * Makes `notebooks/node_modules/data2vec-ts` a link to the package root (relative, so the
 * checkout can move). Returns the link's path.
 * @param {string} [notebooksDir]
 * @returns {string}
 */
function ensurePackageLink(notebooksDir = NOTEBOOKS) {
  const modules = path.join(notebooksDir, 'node_modules');
  const link = path.join(modules, KERNEL_NAME);
  const target = path.relative(modules, ROOT) || '.';
  fs.mkdirSync(modules, { recursive: true });
  let current;
  try {
    current = fs.readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current === target) return link;
  if (current !== undefined || fs.existsSync(link)) fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(target, link, 'dir');
  return link;
}

/** @returns {string} the library entry the notebooks load, or throws naming the fix */
function checkBuilt() {
  const entry = path.join(ROOT, 'dist', 'src', 'index.js');
  if (!fs.existsSync(entry)) {
    throw new Error(`${entry} does not exist; build the library first (npm run build), then restart the kernel.`);
  }
  return entry;
}

/** @returns {string} tslab's kernel entry in this package's node_modules */
function tslabMain() {
  try {
    return require.resolve('tslab/dist/main.js', { paths: [ROOT] });
  } catch {
    throw new Error("The npm package 'tslab' is not installed in this checkout; run npm install, then npm run kernel:install.");
  }
}

/**
 * The kernelspec (kernel.json) for this checkout.
 * @param {{ backend?: string, node?: string }} [options]
 */
function kernelSpec(options = {}) {
  /** @type {Record<string, string>} */
  const env = {};
  if (options.backend !== undefined && options.backend !== 'auto') env.D2V_BACKEND = options.backend;
  return {
    argv: [options.node ?? process.execPath, path.join(ROOT, 'scripts', 'kernel-install.js'), 'start', '{connection_file}'],
    display_name: DISPLAY_NAME,
    language: 'typescript',
    interrupt_mode: 'signal',
    env,
    metadata: { 'data2vec-ts': { root: ROOT } },
  };
}

/**
 * Runs Python code with the given Python; returns trimmed stdout or throws with stderr.
 * @param {string} python
 * @param {string} code
 * @param {string[]} args
 */
function runPython(python, code, args = []) {
  const r = spawnSync(python, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`Cannot run ${python} (${r.error.message}); pass --python with a Python that has Jupyter, or install it: ${JUPYTER_APT_LINE}`);
  if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').pop() || `${python} exited with status ${r.status}`);
  return r.stdout.trim();
}

/**
 * Registers the kernelspec with the Jupyter of `python`; returns the folder it went to.
 * @param {{ python?: string, prefix?: string, backend?: string, name?: string, quiet?: boolean }} [options]
 * @returns {string}
 */
function installKernel(options = {}) {
  const python = options.python ?? DEFAULT_PYTHON;
  const name = options.name ?? KERNEL_NAME;
  if (options.backend !== undefined && !BACKENDS.includes(options.backend)) {
    throw new Error(`--backend is "${options.backend}", which is not a backend; use one of ${BACKENDS.join(', ')}.`);
  }
  try {
    runPython(python, 'import jupyter_client');
  } catch {
    throw new Error(`${python} has no Jupyter (jupyter_client); install it with: ${JUPYTER_APT_LINE}`);
  }
  tslabMain();
  const link = ensurePackageLink();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-kernelspec-'));
  try {
    fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(kernelSpec(options), null, 2) + '\n');
    const code = [
      'import sys',
      'from jupyter_client.kernelspec import KernelSpecManager',
      'src, name, prefix = sys.argv[1], sys.argv[2], sys.argv[3]',
      'print(KernelSpecManager().install_kernel_spec(src, name, user=not prefix, prefix=prefix or None))',
    ].join('\n');
    const installed = runPython(python, code, [dir, name, options.prefix ? path.resolve(options.prefix) : '']);
    if (!options.quiet) {
      if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'index.js'))) {
        process.stderr.write('note: dist/ is not built yet; run npm run build before opening a notebook.\n');
      }
      process.stderr.write(`package link: ${path.relative(ROOT, link)} -> ${fs.readlinkSync(link)}\n`);
    }
    return installed;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts the tslab kernel for Jupyter in this process.
 * @param {string} connectionFile
 */
function startKernel(connectionFile) {
  if (!connectionFile) throw new Error('start needs the connection file Jupyter passes ({connection_file}).');
  ensurePackageLink();
  checkBuilt();
  const main = tslabMain();
  const protocol = require('./kernel-protocol');
  protocol.patchTslab(main);
  const { startKernel: start } = require(main);
  // Use this package's tslab, not one found from the notebook's folder.
  start({ configPath: connectionFile, enableFindLocal: false, jsKernel: false, globalVersion: '' });
  protocol.routeInterrupts();
}

/**
 * Parses `--flag value` pairs.
 * @param {string[]} argv
 * @returns {{ python?: string, prefix?: string, backend?: string, name?: string }}
 */
function parseInstallArgs(argv) {
  /** @type {Record<string, string>} */
  const out = {};
  const known = ['--python', '--prefix', '--backend', '--name'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!known.includes(flag)) throw new Error(`Unknown option "${arg}"; use ${known.join(', ')} (each with a value).`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value.`);
    out[flag.slice(2)] = value;
  }
  return out;
}

function main() {
  const [command, ...rest] = process.argv.slice(2);
  try {
    if (command === 'start') {
      startKernel(rest[0]);
    } else if (command === 'link') {
      const link = ensurePackageLink();
      process.stdout.write(`${link} -> ${fs.readlinkSync(link)}\n`);
    } else {
      const args = command === undefined || command === 'install' ? rest : [command, ...rest];
      const options = parseInstallArgs(args);
      const dir = installKernel(options);
      process.stdout.write(`Installed the Jupyter kernel "${options.name ?? KERNEL_NAME}" (${DISPLAY_NAME}) in ${dir}\n`);
    }
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

module.exports = { ROOT, NOTEBOOKS, KERNEL_NAME, DISPLAY_NAME, DEFAULT_PYTHON, JUPYTER_APT_LINE, ensurePackageLink, kernelSpec, installKernel, startKernel };

if (require.main === module) main();
