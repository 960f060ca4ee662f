/**
 * Writing an output folder all at once (design "a long run never loses finished
 * work"; bad input leaves nothing behind): the files go to a temporary sibling
 * folder, which is renamed to the target when complete. The target must not exist
 * or be an empty folder.
 */
import * as fs from 'fs';

/** Refuse a target that holds files, before any work is done. */
export function checkOutputFolder(out: string, flag: string): void {
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new Error(`${flag} ${out} already exists and is not an empty folder; choose a new folder or remove it.`);
  }
}

/** Run `write(tempFolder)`, then move the folder to `out`; on failure nothing is left at `out`. */
export async function writeFolderAtomically(out: string, flag: string, write: (folder: string) => void | Promise<void>): Promise<void> {
  checkOutputFolder(out, flag);
  const temp = `${out.replace(/[\\/]+$/, '')}.partial-${process.pid}`;
  fs.rmSync(temp, { recursive: true, force: true });
  fs.mkdirSync(temp, { recursive: true });
  try {
    await write(temp);
    if (fs.existsSync(out)) fs.rmdirSync(out);
    fs.renameSync(temp, out);
  } catch (e) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw e;
  }
}
