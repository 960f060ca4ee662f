/**
 * Leftovers of interrupted atomic writes (design "a long run never loses finished
 * work"): a process killed between writing a temporary file and renaming it leaves
 * `<name>.tmp-<pid>` (checkpoints, config.json) or `.<name>.<pid>.<time>.tmp` (the
 * report) beside the target. The next start in that folder removes the ones whose
 * writer is no longer running and reports them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { withFile } from './io-error';

/** The temporary-file names the atomic writers use, with the writer's process id. */
const TEMP_NAMES = [/^.+\.tmp-(\d+)$/, /^\..+\.(\d+)\.\d+\.tmp$/];

function running(pid: number): boolean {
  if (pid === process.pid) return false; // this process is only starting to write here
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The writer's process id if `name` is an atomic writer's temporary file. */
export function tempFileWriter(name: string): number | undefined {
  for (const re of TEMP_NAMES) {
    const m = re.exec(name);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Remove stale temporary files in `dir` (not recursive); returns the removed paths. A missing folder has none. */
export function removeStaleTempFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of withFile('list the folder', dir, () => fs.readdirSync(dir))) {
    const pid = tempFileWriter(name);
    if (pid === undefined || running(pid)) continue;
    const file = path.join(dir, name);
    withFile('remove the stale temporary file', file, () => fs.rmSync(file, { force: true }));
    removed.push(file);
  }
  return removed;
}
