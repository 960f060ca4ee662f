/**
 * Default names for benchmark result files (tooling, no spec section): a run that was
 * not given a name must not replace the files of an earlier run of the same day, so
 * the default stem takes the first free suffix (`-2`, `-3`, …).
 */
import * as fs from 'fs';
import * as path from 'path';

/** `<dir>/<base>`, or `<dir>/<base>-N` with the smallest N ≥ 2 for which no `<stem><ext>` of `extensions` exists yet. */
export function freeResultStem(dir: string, base: string, extensions: readonly string[]): string {
  const taken = (stem: string) => extensions.some((ext) => fs.existsSync(`${stem}${ext}`));
  let stem = path.join(dir, base);
  for (let n = 2; taken(stem); n++) stem = path.join(dir, `${base}-${n}`);
  return stem;
}
