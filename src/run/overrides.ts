/**
 * Preset lookup and command-line overrides (design "presets as data"): a preset is
 * a function returning a fresh config; overrides replace the few fields a user
 * changes from the command line, keeping every derived field consistent.
 */
import { BaseRunConfig, RunOverrides } from './recipe';

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
 * Apply overrides. Changing the number of updates rescales the warm-up, the cosine
 * length, the EMA anneal and the checkpoint interval in proportion, so a short run
 * keeps the preset's shape.
 */
export function applyOverrides<C extends BaseRunConfig & { data2vec?: { ema?: { annealUpdates: number } } }>(config: C, o: RunOverrides): C {
  const c = structuredClone(config);
  if (o.seed !== undefined) {
    if (!Number.isInteger(o.seed)) throw new Error(`--seed must be an integer, got ${o.seed}.`);
    c.seed = o.seed;
    c.trainer.seed = o.seed;
  }
  if (o.data !== undefined) c.data = o.data;
  if (o.batchSize !== undefined) c.trainer.batchSize = positiveInteger('--batch-size', o.batchSize);
  if (o.accumulation !== undefined) c.trainer.accumulation = positiveInteger('--accumulation', o.accumulation);
  if (o.steps !== undefined) {
    const steps = positiveInteger('--steps', o.steps);
    const ratio = steps / c.trainer.updates;
    const s = c.trainer.schedule;
    if (s.kind === 'cosine') {
      s.warmupUpdates = Math.round(s.warmupUpdates * ratio);
      s.totalUpdates = steps;
    } else if (s.kind === 'tri_stage') {
      s.warmupUpdates = Math.round(s.warmupUpdates * ratio);
      s.holdUpdates = Math.round(s.holdUpdates * ratio);
      s.decayUpdates = steps - s.warmupUpdates - s.holdUpdates;
    }
    const ema = c.data2vec?.ema;
    if (ema && ema.annealUpdates > 0) ema.annealUpdates = Math.max(1, Math.round(ema.annealUpdates * ratio));
    c.trainer.checkpointEvery = Math.max(1, Math.round(c.trainer.checkpointEvery * ratio));
    c.trainer.collapse.afterUpdates = Math.round(c.trainer.collapse.afterUpdates * Math.min(1, ratio));
    c.trainer.updates = steps;
  }
  if (o.set) for (const [key, value] of Object.entries(o.set)) setConfigPath(c as unknown as Record<string, unknown>, key, value);
  if (o.lr !== undefined) {
    if (!(o.lr > 0)) throw new Error(`--lr must be a positive number, got ${o.lr}.`);
    const s = c.trainer.schedule;
    if (s.kind === 'constant') s.lr = o.lr;
    else s.peakLr = o.lr;
  }
  return c;
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
