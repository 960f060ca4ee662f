/**
 * Atomic file writes (design "a long run never loses finished work"): write a
 * temporary file beside the target, fsync it, rename it over the target. A failure
 * removes the temporary file and says why in one sentence (`io-error.ts`).
 */
import * as fs from 'fs';
import { removeQuietly, withFile } from './io-error';

export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    withFile('write', file, () => {
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    });
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}
