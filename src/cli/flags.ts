/**
 * Shared flag parsers for the `data2vec` subcommands, and the backend start-up line.
 */
import { initBackend, describeBackend } from '../backend/select';
import { say } from './output-lines';

/** Parse an integer flag with a clear error. */
export function intFlag(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${value}".`);
    return n;
  };
}

/** Parse a number flag with a clear error. */
export function numberFlag(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${value}".`);
    return n;
  };
}

/** Start the backend (`threads`: the `--threads` flag) and say which one runs. */
export async function startBackend(flag?: string, threads?: string): Promise<string> {
  const info = await initBackend(flag, { threads });
  say(describeBackend(info));
  return info.name;
}

/** Collect repeated `--set path=value` flags into an object. */
export function collectSet(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new Error(`--set needs path=value (e.g. --set model.dim=128), got "${value}".`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}
