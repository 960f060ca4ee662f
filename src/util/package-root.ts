/**
 * The folder of this package (design: the bundled data sets live in `datasets/` of
 * the package): the nearest ancestor of this file whose `package.json` is named
 * `data2vec-ts`, so it works from `src/` (ts-node, notebooks) and `dist/src/` alike.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The package name the walk looks for. */
const PACKAGE_NAME = 'data2vec-ts';

/**
 * The nearest ancestor of `from` (default: this file's folder) whose `package.json`
 * names `data2vec-ts`. An unreadable or unparsable `package.json` of another package
 * on the way is passed over; none at all is a one-sentence error.
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // the package.json of some other package that cannot be read: keep walking up
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package folder above ${from}; reinstall ${PACKAGE_NAME}.`);
  }
}
