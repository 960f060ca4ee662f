/**
 * The two output channels of the `data2vec` command (issue contract): human-readable
 * lines go to stderr; with --json the last stdout line is one JSON object.
 */

/** Write one human-readable line to stderr. */
export function say(line: string): void {
  process.stderr.write(line + '\n');
}

/** Write `value` as one JSON line on stdout when `json` (the `--json` flag) is set. */
export function printJsonLine(json: unknown, value: unknown): void {
  if (json) process.stdout.write(JSON.stringify(value) + '\n');
}
