/**
 * What the notebook and kernel tests need from the machine: Debian's Jupyter in
 * /usr/bin/python3, and this package's kernelspec, installed by scripts/kernel-install.js
 * into a temporary prefix (so the tests use the checkout under test, not whatever kernel
 * was registered before). Without Jupyter the tests are pending, with the line that
 * enables them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packageRoot } from '../../src/util/package-root';

/** The package root (the folder with package.json). */
export const ROOT = packageRoot();

/** scripts/kernel-install.js, as typed here. */
export interface KernelInstallScript {
  ROOT: string;
  NOTEBOOKS: string;
  KERNEL_NAME: string;
  DISPLAY_NAME: string;
  DEFAULT_PYTHON: string;
  JUPYTER_APT_LINE: string;
  ensurePackageLink(notebooksDir?: string): string;
  kernelSpec(options?: { backend?: string; node?: string }): { argv: string[]; display_name: string; language: string; env: Record<string, string> };
  installKernel(options?: { python?: string; prefix?: string; backend?: string; name?: string; quiet?: boolean }): string;
}

/** One notebook run by scripts/run-notebooks.js. */
export interface NotebookRun {
  notebook: string;
  ok: boolean;
  seconds: number;
  executed: string;
  html?: string;
  log: string;
}

/** scripts/run-notebooks.js, as typed here. */
export interface RunNotebooksScript {
  jupyterMissingReason(python?: string): string | undefined;
  listNotebooks(): string[];
  executeNotebook(
    file: string,
    options: { outDir: string; timeoutS?: number; html?: boolean; jupyterPath?: string; env?: Record<string, string | undefined> },
  ): NotebookRun;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const kernelInstall = require(path.join(ROOT, 'scripts', 'kernel-install.js')) as KernelInstallScript;
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const runNotebooks = require(path.join(ROOT, 'scripts', 'run-notebooks.js')) as RunNotebooksScript;

/** The command that makes the Jupyter tests run instead of pending. */
export const ENABLE_LINE = `${kernelInstall.JUPYTER_APT_LINE} && npm run kernel:install`;

/** Marks the current test or hook pending, printing why and how to enable it, when Jupyter is missing. */
export function skipWithoutJupyter(ctx: Mocha.Context): void {
  const reason = runNotebooks.jupyterMissingReason();
  if (reason !== undefined) {
    // eslint-disable-next-line no-console
    console.log(`      pending: Jupyter is not installed in ${kernelInstall.DEFAULT_PYTHON}; enable with: ${ENABLE_LINE}`);
    ctx.skip();
  }
}

let jupyterPath: string | undefined;

/**
 * Installs this checkout's kernelspec under a temporary prefix (once per test process) and
 * returns the folder to put first on JUPYTER_PATH.
 */
export function hermeticKernel(): string {
  if (jupyterPath === undefined) {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-kernel-'));
    kernelInstall.installKernel({ prefix, quiet: true });
    jupyterPath = path.join(prefix, 'share', 'jupyter');
  }
  return jupyterPath;
}
