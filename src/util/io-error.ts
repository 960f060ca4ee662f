/**
 * File-system errors as one sentence (design: "bad input gets a clear one-sentence
 * error naming the file, the cause and what to do"). Node's own messages name the
 * syscall, not the cause a user can act on ("ENOENT: no such file or directory, mkdir"
 * on a read-only disk when `mkdir -p` walks up); every read and write of the library
 * goes through {@link withFile} or {@link makeDir}, so each error says what was being
 * done, to which path, why it failed and what to do.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The fix for a full disk or quota. */
const FREE_SPACE = 'free some space or choose a folder on another disk';
/** The fix for a path the process may not write. */
const WRITABLE_PATH = 'change the permissions or choose a path you can write to';

/** Causes a user can act on, by errno code, with the usual fix. */
const CAUSES: Record<string, { cause: string; fix: string }> = {
  EROFS: { cause: 'the file system is read-only', fix: 'choose a folder on a writable disk' },
  ENOSPC: { cause: 'there is no space left on the device', fix: FREE_SPACE },
  EDQUOT: { cause: 'the disk quota is exhausted', fix: FREE_SPACE },
  EACCES: { cause: 'permission is denied', fix: WRITABLE_PATH },
  EPERM: { cause: 'the operation is not permitted there', fix: WRITABLE_PATH },
  ENOTDIR: { cause: 'a part of the path is a file, not a folder', fix: 'rename that file or choose another path' },
  EISDIR: { cause: 'it is a folder, not a file', fix: 'give the path of a file' },
  ENOENT: { cause: 'it does not exist', fix: 'check the path' },
  EEXIST: { cause: 'something else already exists there', fix: 'remove it or choose another path' },
  EMFILE: { cause: 'too many files are open', fix: 'close other programs or raise the open-file limit (ulimit -n)' },
  ENAMETOOLONG: { cause: 'the path is too long', fix: 'choose a shorter path' },
  EIO: { cause: 'the device reported an I/O error', fix: 'check the disk' },
};

/** The errno code of an error, if any. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * One sentence for a failed file operation: `cannot <action> <path>: <cause> (<CODE>); <fix>.`
 * `fix` replaces the usual advice for the cause (e.g. "pass another --out folder").
 */
export function fileErrorMessage(err: unknown, action: string, file: string, fix?: string): string {
  const code = errnoCode(err);
  const known = code ? CAUSES[code] : undefined;
  const cause = known ? `${known.cause} (${code})` : err instanceof Error ? err.message.replace(/\.$/, '') : String(err);
  return `cannot ${action} ${file}: ${cause}; ${fix ?? known?.fix ?? 'check the path and the disk'}.`;
}

/** An Error carrying {@link fileErrorMessage}, with the errno code kept and the original as its cause. */
export function fileError(err: unknown, action: string, file: string, fix?: string): Error & { code?: string } {
  const e: Error & { code?: string } = new Error(fileErrorMessage(err, action, file, fix), { cause: err });
  e.code = errnoCode(err);
  return e;
}

/** Run a file operation on `file`; a failure becomes {@link fileError}. Errors that are not errno errors pass unchanged. */
export function withFile<T>(action: string, file: string, op: () => T, fix?: string): T {
  try {
    return op();
  } catch (err) {
    if (errnoCode(err) === undefined) throw err;
    throw fileError(err, action, file, fix);
  }
}

/**
 * Create `dir` and its missing parents, one level at a time. Node's recursive `mkdir`
 * loops forever on pseudo file systems such as /proc, where `mkdir` answers ENOENT
 * although the parent exists, and reports ENOENT for a read-only disk; here either
 * fails at once with the real cause.
 */
export function makeDir(dir: string, fix?: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (err) {
      // ENOTDIR: a parent is a file, found further up
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw fileError(err, 'create the folder', dir, fix);
    }
    if (stat) {
      if (!stat.isDirectory()) throw fileError(Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }), 'create the folder', dir, fix ?? `${at} is a file; rename it or choose another path`);
      break;
    }
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST' && fs.statSync(d).isDirectory()) continue;
      if (code === 'ENOENT') {
        // the parent exists (it was found or just made), so this file system cannot hold new folders
        throw new Error(`cannot create the folder ${dir}: ${path.dirname(d)} cannot hold new folders (a pseudo file system such as /proc or /sys); ${fix ?? 'choose a folder on a real disk'}.`, { cause: err });
      }
      throw fileError(err, 'create the folder', dir, fix);
    }
  }
}

/** Remove a temporary file after a failed write, ignoring every error (the write's own error is the one to report). */
export function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // nothing was there, or the folder itself is unusable
  }
}
