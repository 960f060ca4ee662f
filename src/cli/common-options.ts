/**
 * The options many `data2vec` subcommands share, each declared once: the backend
 * and its thread count, the progress bar switch, and `--json` (issue contract: with
 * --json the last stdout line is one JSON object).
 */
import { Command } from 'commander';
import { listRecipes } from '../modalities/registry';

/** Help of `--threads`. */
export const THREADS_HELP = 'threads for matrix products on wasm (default: D2V_THREADS, else one per core; 1: main thread only)';

/** Help of `--backend` on commands that take every backend and have no default of their own to state. */
export const ALL_BACKENDS_HELP = 'wasm, cpu, tensorflow or webgpu';

/**
 * Help of `--preset`, from the registered recipes: the presets every recipe has, then
 * the others with the modalities that have them (`tiny, small or base; also base-28 (image), …`).
 */
export function presetHelp(): string {
  const recipes = listRecipes();
  const common = recipes[0].presets.filter((p) => recipes.every((r) => r.presets.includes(p)));
  const others = new Map<string, Set<string>>();
  for (const r of recipes) for (const p of r.presets) if (!common.includes(p)) others.set(p, (others.get(p) ?? new Set()).add(r.modality));
  const head = `${common.slice(0, -1).join(', ')} or ${common[common.length - 1]}`;
  return others.size === 0 ? head : `${head}; also ${[...others].map(([p, m]) => `${p} (${[...m].join(', ')})`).join(', ')}`;
}

/** Help of `--json` on the commands whose last line is their summary. */
export const JSON_SUMMARY_HELP = 'print a JSON summary as the last line';

/** Help of `--json` on the commands whose last line is their result object. */
export const JSON_RESULT_HELP = 'print the result object as the last line';

/**
 * Add `--backend <name>` (its help: the backends the command offers, `backends`) and,
 * unless `threads` is false, `--threads <n>`. The action reads them as `opts.backend`
 * and `opts.threads`, for `startBackend` (flags.ts).
 */
export function addBackendOptions(cmd: Command, backends: string, threads = true): Command {
  cmd.option('--backend <name>', backends);
  return threads ? cmd.option('--threads <n>', THREADS_HELP) : cmd;
}

/**
 * Add `--no-progress` (when `progress`) and then `--json` with help `json`. The action
 * reads `opts.progress` (false with the switch) and hands `opts.json` to `printJsonLine` (output-lines.ts).
 */
export function addOutputOptions(cmd: Command, { progress = false, json = JSON_SUMMARY_HELP }: { progress?: boolean; json?: string } = {}): Command {
  if (progress) cmd.option('--no-progress', 'no progress bar');
  return cmd.option('--json', json);
}
