/**
 * Schedules as fractions of the run (spec §6; design "presets as data"): a preset
 * states its LR warm-up (and tri-stage hold), the end of the EMA anneal (§3.2), the
 * checkpoint interval and the start of the collapse guard (§5.1) as fractions of
 * `trainer.updates`; {@link resolveRunFractions} turns them into update counts once
 * the update count is final, however it was set (`--steps`, `--set
 * trainer.updates=…`, a resumed run). `config.json` keeps both the fractions and the
 * resolved counts.
 */
import { TrainerConfig } from '../train/trainer';

/** Fractions of `trainer.updates` (each in [0, 1]). */
export interface RunFractions {
  /** LR warm-up (`trainer.schedule.warmupUpdates`). */
  warmup: number;
  /** Tri-stage hold (`trainer.schedule.holdUpdates`); the decay takes the rest of the run. */
  hold?: number;
  /** End of the EMA τ anneal (`data2vec.ema.annealUpdates`); 0 keeps τ constant. */
  emaEnd: number;
  /** Checkpoint interval (`trainer.checkpointEvery`); 0 writes only the final checkpoint. */
  checkpointEvery: number;
  /** Start of the collapse guard (`trainer.collapse.afterUpdates`). */
  collapseAfter: number;
}

/** What {@link resolveRunFractions} reads and writes. */
export interface FractionsConfig {
  fractions?: RunFractions;
  trainer: TrainerConfig;
  data2vec?: { ema?: { annealUpdates: number } };
}

/** Config paths that hold resolved counts, with the fraction that sets each. */
export const DERIVED_FIELDS: Readonly<Record<string, string>> = {
  'trainer.schedule.warmupUpdates': 'fractions.warmup',
  'trainer.schedule.holdUpdates': 'fractions.hold',
  'trainer.schedule.decayUpdates': 'fractions.hold',
  'trainer.schedule.totalUpdates': 'trainer.updates',
  'data2vec.ema.annealUpdates': 'fractions.emaEnd',
  'trainer.checkpointEvery': 'fractions.checkpointEvery',
  'trainer.collapse.afterUpdates': 'fractions.collapseAfter',
};

function fraction(field: string, v: number | undefined): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`fractions.${field} must be a number between 0 and 1 (a fraction of trainer.updates), got ${JSON.stringify(v)}.`);
  return v;
}

/**
 * The fractions an already-resolved config stands for (a `config.json` written
 * before fractions were recorded): each count divided by `trainer.updates`.
 */
export function fractionsOf(config: FractionsConfig): RunFractions {
  const t = config.trainer;
  const s = t.schedule;
  const f: RunFractions = {
    warmup: s.kind === 'constant' ? 0 : s.warmupUpdates / t.updates,
    emaEnd: (config.data2vec?.ema?.annealUpdates ?? 0) / t.updates,
    checkpointEvery: t.checkpointEvery / t.updates,
    collapseAfter: t.collapse.afterUpdates / t.updates,
  };
  if (s.kind === 'tri_stage') f.hold = s.holdUpdates / t.updates;
  return f;
}

/**
 * Write the counts the fractions give for `trainer.updates` into `config` (in
 * place; a config without `fractions` first gets the ones its counts stand for).
 * Counts are rounded to the nearest update; a non-zero EMA anneal or checkpoint
 * interval is at least 1; the tri-stage decay takes what warm-up and hold leave.
 */
export function resolveRunFractions<C extends FractionsConfig>(config: C): C {
  const t = config.trainer;
  if (!Number.isInteger(t.updates) || t.updates <= 0) throw new Error(`trainer.updates must be a positive integer, got ${JSON.stringify(t.updates)}.`);
  const f = config.fractions ?? fractionsOf(config);
  config.fractions = f;
  for (const field of ['warmup', 'emaEnd', 'checkpointEvery', 'collapseAfter'] as const) fraction(field, f[field]);
  if (t.schedule.kind === 'tri_stage') fraction('hold', f.hold);
  const u = t.updates;
  const count = (field: keyof RunFractions) => Math.round((f[field] ?? 0) * u);
  const s = t.schedule;
  if (s.kind === 'cosine' || s.kind === 'polynomial') {
    s.warmupUpdates = count('warmup');
    s.totalUpdates = u;
  } else if (s.kind === 'tri_stage') {
    s.warmupUpdates = count('warmup');
    s.holdUpdates = count('hold');
    s.decayUpdates = u - s.warmupUpdates - s.holdUpdates;
    if (s.decayUpdates < 0) throw new Error(`fractions.warmup + fractions.hold must be at most 1, got ${f.warmup} + ${f.hold}.`);
  }
  const ema = config.data2vec?.ema;
  if (ema) ema.annealUpdates = f.emaEnd > 0 ? Math.max(1, count('emaEnd')) : 0;
  t.checkpointEvery = f.checkpointEvery > 0 ? Math.max(1, count('checkpointEvery')) : 0;
  t.collapse.afterUpdates = count('collapseAfter');
  return config;
}
