/**
 * Preset lookup and command-line overrides (design "presets as data"): a preset is
 * a function returning a fresh config; overrides replace the few fields a user
 * changes from the command line, then the schedules are resolved from their
 * fractions of the run (`run-fractions.ts`), so no derived field goes stale.
 */
import { BaseRunConfig, RunOverrides } from './recipe';
import { DERIVED_FIELDS, fractionsOf, resolveRunFractions } from './run-fractions';
import { validateRunConfig } from './config-schema';

/** The named preset's config, or a one-sentence error listing the presets. */
export function presetFor<C>(presets: Record<string, () => C>, name: string, modality: string, algo: string): C {
  const make = presets[name];
  if (!make) throw new Error(`--preset "${name}" is not a ${modality} ${algo} preset; choose one of ${Object.keys(presets).join(', ')}.`);
  return make();
}

function positiveInteger(field: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${field} must be a positive integer, got ${v}.`);
  return v;
}

/**
 * Apply overrides, then resolve every schedule from its fraction of the run against
 * the final `trainer.updates` (set by `--steps` or `--set trainer.updates=…` alike),
 * so a short run keeps the preset's shape.
 */
export function applyOverrides<C extends BaseRunConfig>(config: C, o: RunOverrides): C {
  const c = structuredClone(config);
  // a config.json written before fractions were recorded: read them off its counts while they still match trainer.updates
  c.fractions ??= fractionsOf(c);
  if (o.seed !== undefined) {
    if (!Number.isInteger(o.seed)) throw new Error(`--seed must be an integer, got ${o.seed}.`);
    c.seed = o.seed;
    c.trainer.seed = o.seed;
  }
  if (o.data !== undefined) c.data = o.data;
  if (o.batchSize !== undefined) c.trainer.batchSize = positiveInteger('--batch-size', o.batchSize);
  if (o.accumulation !== undefined) c.trainer.accumulation = positiveInteger('--accumulation', o.accumulation);
  if (o.skipNonfinite !== undefined) {
    if (!Number.isInteger(o.skipNonfinite) || o.skipNonfinite < 0) throw new Error(`--skip-nonfinite must be an integer >= 0, got ${o.skipNonfinite}.`);
    c.trainer.skipNonfinite = o.skipNonfinite;
  }
  if (o.resample) {
    const audio = (c as { audio?: { resample?: boolean } }).audio;
    if (!audio) throw new Error(`--resample applies to speech runs; the ${c.modality} recipe reads no audio.`);
    audio.resample = true;
  }
  if (o.maxSkipRate !== undefined) {
    const loader = (c as { loader?: { maxSkipRate: number } }).loader;
    if (!loader) throw new Error(`--max-skip-rate applies to streamed corpora; the ${c.modality} recipe has no loader settings.`);
    if (!(o.maxSkipRate >= 0 && o.maxSkipRate <= 1)) throw new Error(`--max-skip-rate must be a share from 0 to 1 (0.01 = 1 %), got ${o.maxSkipRate}.`);
    loader.maxSkipRate = o.maxSkipRate;
  }
  if (o.steps !== undefined) c.trainer.updates = positiveInteger('--steps', o.steps);
  if (o.set) {
    for (const [key, value] of Object.entries(o.set)) {
      const from = DERIVED_FIELDS[key];
      if (from) throw new Error(`--set ${key}: this count is resolved from ${from} and trainer.updates; set ${from} instead.`);
      setConfigPath(c as unknown as Record<string, unknown>, key, value);
    }
  }
  if (o.lr !== undefined) {
    if (!(o.lr > 0)) throw new Error(`--lr must be a positive number, got ${o.lr}.`);
    const s = c.trainer.schedule;
    if (s.kind === 'constant') s.lr = o.lr;
    else s.peakLr = o.lr;
  }
  return validateRunConfig(resolveRunFractions(c));
}

/**
 * Set a config field by dotted path (`model.dim`, `data2vec.targets.topK`,
 * `trainer.schedule.peakLr`). The field must exist and keep its JSON type, so a typo
 * or a wrong value is a clear error instead of a silently ignored setting.
 */
export function setConfigPath(config: Record<string, unknown>, path: string, raw: string): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = config;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i]];
    if (next === null || typeof next !== 'object') {
      throw new Error(`--set ${path}: "${keys.slice(0, i + 1).join('.')}" is not a section of the config; sections here: ${Object.keys(node).filter((k) => typeof node[k] === 'object').join(', ')}.`);
    }
    node = next as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (!(last in node)) throw new Error(`--set ${path}: the config has no field "${last}" there; fields: ${Object.keys(node).join(', ')}.`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const old = node[last];
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (old !== null && kind(old) !== kind(value)) {
    throw new Error(`--set ${path}=${raw}: the field holds a ${kind(old)} (${JSON.stringify(old)}), not a ${kind(value)}.`);
  }
  node[last] = value;
}
