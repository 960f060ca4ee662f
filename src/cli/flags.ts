/**
 * Shared flag parsers for the `data2vec` subcommands, and the backend start-up line.
 */
import { initBackend, describeBackend } from '../backend/select';

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

/** Start the backend and say which one runs. */
export async function startBackend(flag?: string): Promise<string> {
  const info = await initBackend(flag);
  process.stderr.write(describeBackend(info) + '\n');
  return info.name;
}

