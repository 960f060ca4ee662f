/**
 * Command-line checking for the benchmark scripts (tooling, no spec section): every
 * argument must be one of the script's flags, and a flag that takes a value must have
 * one. Otherwise the script stops with one sentence before anything is timed or
 * written, so a typo or `--help` cannot start a long default run that rewrites the
 * day's results file (as `soak --help` did to `bench/results/soak-<date>.json`).
 * Parsing is Node's `util.parseArgs` in strict mode.
 */
import { parseArgs } from 'util';

/** A script's flags: the name with its dashes, and whether it takes a value or is a switch. */
export type FlagSpec = Record<string, 'value' | 'switch'>;

/** The flags as a usage list: `--runs VALUE, --quick`. */
function usage(flags: FlagSpec): string {
  return Object.entries(flags).map(([name, kind]) => (kind === 'value' ? `${name} VALUE` : name)).join(', ');
}

/**
 * One sentence for the first argument that `script` does not take (an unknown flag, a
 * positional argument, a flag without its value, a value given to a switch), or
 * undefined when every argument is known.
 */
export function flagProblem(script: string, args: readonly string[], flags: FlagSpec): string | undefined {
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, kind]) => [name.replace(/^--/, ''), { type: kind === 'value' ? ('string' as const) : ('boolean' as const), multiple: true }]),
  );
  try {
    parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
    return undefined;
  } catch (err) {
    const e = err as Error & { code?: string };
    const quoted = /'([^' ]+)/.exec(e.message)?.[1] ?? '';
    const takes = `it takes ${usage(flags)} (see the header of bench/${script}.ts)`;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `${script} does not know "${quoted}"; ${takes}.`;
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flags[quoted] === 'value') return `${quoted} needs a value; ${takes}.`;
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${quoted} takes no value; ${takes}.`;
    return `${script}: ${e.message}`;
  }
}

/** Ends the process with `flagProblem`'s sentence on stderr and exit code 1 when the arguments are not all known. */
export function assertKnownFlags(script: string, args: readonly string[], flags: FlagSpec): void {
  const problem = flagProblem(script, args, flags);
  if (problem === undefined) return;
  process.stderr.write(`error: ${problem}\n`);
  process.exit(1);
}
