/**
 * A temporary folder for the tests of one describe block: made (under the system's
 * temporary folder, with `prefix`) before its first test, removed with everything in it
 * after its last. Call it in the describe body; read `.path` inside hooks and tests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function tempDirFixture(prefix: string): { readonly path: string } {
  let dir: string | undefined;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  after(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get path(): string {
      if (dir === undefined) throw new Error(`the ${prefix} temporary folder is made in a before hook; read .path inside a hook or test.`);
      return dir;
    },
  };
}
