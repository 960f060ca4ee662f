/**
 * Learning-rate schedules (spec §6, trap 17). A schedule maps the 0-based index
 * of an update to the LR used for that update, which is what fairseq's
 * `lr_scheduler.step_update(num_updates)` returns before update `num_updates + 1`
 * runs, and what data2vec_vision reads from `lr_schedule_values[it]`.
 *
 * - `cosine`: fairseq `cosine_lr_scheduler.CosineLRSchedule` (t_mult 1, one
 *   period) and data2vec_vision `utils.cosine_scheduler`: linear warm-up, then one
 *   half cosine from the peak down to `minLr`, held at `minLr` afterwards.
 * - `tri_stage`: fairseq `tri_stage_lr_scheduler.TriStageLRSchedule`: linear
 *   warm-up from `initLrScale·peak`, hold, then EXPONENTIAL decay to
 *   `finalLrScale·peak` (the data2vec paper says "linearly"; the code decays
 *   exponentially), then constant.
 * - `polynomial`: fairseq `polynomial_decay_schedule.PolynomialDecaySchedule`
 *   (used by the text fine-tuning recipes).
 * - `constant`.
 *
 * Schedules can be described as JSON data ({@link ScheduleSpec}) and built with
 * {@link buildSchedule}, so a run's config can be saved and reloaded.
 */

/** Maps the 0-based update index to the learning rate used for that update. */
export type LrSchedule = (update: number) => number;

/** Options of {@link cosineWithWarmup}. */
export interface CosineScheduleOptions {
  /** LR at the end of warm-up. */
  peakLr: number;
  /** Number of warm-up updates (0 for none). */
  warmupUpdates: number;
  /** Total number of updates; the cosine ends here and the LR stays at `minLr` afterwards. */
  totalUpdates: number;
  /** Final LR; default 0. */
  minLr?: number;
  /** LR of update 0 during warm-up; default 0 (fairseq's own default is `minLr`, which is 0 in every data2vec config). */
  warmupInitLr?: number;
  /**
   * 'fairseq' (default): lr(k) = init + k·(peak − init)/W, so the peak is first used at k = W.
   * 'linspace': data2vec_vision `cosine_scheduler`, `np.linspace(init, peak, W)`, which reaches the peak at k = W − 1.
   */
  warmupStyle?: 'fairseq' | 'linspace';
}

/** Options of {@link triStage}. */
export interface TriStageOptions {
  /** LR of the hold stage. */
  peakLr: number;
  /** Updates of linear warm-up from `initLrScale·peakLr`. */
  warmupUpdates: number;
  /** Updates held at `peakLr`. */
  holdUpdates: number;
  /** Updates of exponential decay down to `finalLrScale·peakLr`. */
  decayUpdates: number;
  /** Warm-up starts at this fraction of the peak; default 0.01. */
  initLrScale?: number;
  /** Decay ends at this fraction of the peak, in (0, 1]; default 0.01. */
  finalLrScale?: number;
}

/** Options of {@link polynomialDecay}. */
export interface PolynomialDecayOptions {
  /** LR at the end of warm-up. */
  peakLr: number;
  /** Updates of linear warm-up from 0 (0 for none). */
  warmupUpdates: number;
  /** The decay reaches `endLr` at this update. */
  totalUpdates: number;
  /** Final LR; default 0. */
  endLr?: number;
  /** Exponent of the decay; default 1 (linear). */
  power?: number;
}

/** A schedule as JSON-serialisable data; build it with {@link buildSchedule}. */
export type ScheduleSpec =
  | { kind: 'constant'; lr: number }
  | ({ kind: 'cosine' } & CosineScheduleOptions)
  | ({ kind: 'tri_stage' } & TriStageOptions)
  | ({ kind: 'polynomial' } & PolynomialDecayOptions);

function check(kind: string, field: string, value: unknown, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new Error(`${kind} schedule: ${field} must be ${expected}, got ${JSON.stringify(value)}.`);
  }
  return value;
}
const nonNegative = (v: number) => v >= 0;
const nonNegativeInteger = (v: number) => Number.isInteger(v) && v >= 0;

/** Wrap a formula so that it rejects update indices that are not non-negative integers. */
function schedule(kind: string, formula: (k: number) => number): LrSchedule {
  return (update: number) => {
    if (!Number.isInteger(update) || update < 0) throw new Error(`${kind} schedule: the update index must be an integer >= 0, got ${update}.`);
    return formula(update);
  };
}

/** Linear warm-up, then one cosine from `peakLr` to `minLr` (fairseq `cosine`, data2vec_vision `cosine_scheduler`). */
export function cosineWithWarmup(o: CosineScheduleOptions): LrSchedule {
  const kind = 'cosine';
  const peak = check(kind, 'peakLr', o.peakLr, nonNegative, 'a number >= 0');
  const warmup = check(kind, 'warmupUpdates', o.warmupUpdates, nonNegativeInteger, 'an integer >= 0');
  const total = check(kind, 'totalUpdates', o.totalUpdates, (v) => Number.isInteger(v) && v >= warmup, `an integer >= warmupUpdates (${warmup})`);
  const minLr = check(kind, 'minLr', o.minLr ?? 0, (v) => v >= 0 && v <= peak, `a number in [0, peakLr] (peakLr ${peak})`);
  const init = check(kind, 'warmupInitLr', o.warmupInitLr ?? 0, nonNegative, 'a number >= 0');
  const style = o.warmupStyle ?? 'fairseq';
  if (style !== 'fairseq' && style !== 'linspace') throw new Error(`cosine schedule: warmupStyle must be "fairseq" or "linspace", got ${JSON.stringify(style)}.`);
  const warmupDenominator = style === 'fairseq' ? warmup : warmup - 1;
  const period = total - warmup;
  return schedule(kind, (k) => {
    if (k < warmup) return warmupDenominator > 0 ? init + (k * (peak - init)) / warmupDenominator : init;
    if (k >= total) return minLr;
    return minLr + 0.5 * (peak - minLr) * (1 + Math.cos((Math.PI * (k - warmup)) / period));
  });
}

/**
 * Warm-up, hold, exponential decay, then constant (fairseq `tri_stage`, trap 17).
 * With `decayUpdates` 0 the LR drops from the peak straight to `finalLrScale·peakLr` after the hold.
 */
export function triStage(o: TriStageOptions): LrSchedule {
  const kind = 'tri_stage';
  const peak = check(kind, 'peakLr', o.peakLr, nonNegative, 'a number >= 0');
  const warmup = check(kind, 'warmupUpdates', o.warmupUpdates, nonNegativeInteger, 'an integer >= 0');
  const hold = check(kind, 'holdUpdates', o.holdUpdates, nonNegativeInteger, 'an integer >= 0');
  const decay = check(kind, 'decayUpdates', o.decayUpdates, nonNegativeInteger, 'an integer >= 0');
  const initScale = check(kind, 'initLrScale', o.initLrScale ?? 0.01, nonNegative, 'a number >= 0');
  const finalScale = check(kind, 'finalLrScale', o.finalLrScale ?? 0.01, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  const initLr = initScale * peak;
  const finalLr = finalScale * peak;
  const decayFactor = decay > 0 ? -Math.log(finalScale) / decay : 0;
  return schedule(kind, (k) => {
    if (k < warmup) return initLr + ((peak - initLr) / warmup) * k;
    if (k < warmup + hold) return peak;
    if (decay > 0 && k <= warmup + hold + decay) return peak * Math.exp(-decayFactor * (k - warmup - hold));
    return finalLr;
  });
}

/**
 * Stage lengths from fairseq's `phase_ratio` (e.g. [0.03, 0.9, 0.07] for the v1
 * speech base config): each is `int(totalUpdates · ratio)`, as fairseq computes it.
 */
export function triStagePhases(totalUpdates: number, phaseRatio: [number, number, number]): Pick<TriStageOptions, 'warmupUpdates' | 'holdUpdates' | 'decayUpdates'> {
  check('tri_stage', 'totalUpdates', totalUpdates, (v) => Number.isInteger(v) && v > 0, 'an integer > 0');
  phaseRatio.forEach((r, i) => check('tri_stage', `phaseRatio[${i}]`, r, nonNegative, 'a number >= 0'));
  const sum = phaseRatio[0] + phaseRatio[1] + phaseRatio[2];
  if (Math.abs(sum - 1) > 1e-9) throw new Error(`tri_stage schedule: phaseRatio must add up to 1, got [${phaseRatio}] (sum ${sum}).`);
  const [warmupUpdates, holdUpdates, decayUpdates] = phaseRatio.map((r) => Math.trunc(totalUpdates * r));
  return { warmupUpdates, holdUpdates, decayUpdates };
}

/** Linear warm-up from 0, then polynomial decay to `endLr` at `totalUpdates` (fairseq `polynomial_decay`). */
export function polynomialDecay(o: PolynomialDecayOptions): LrSchedule {
  const kind = 'polynomial';
  const peak = check(kind, 'peakLr', o.peakLr, nonNegative, 'a number >= 0');
  const warmup = check(kind, 'warmupUpdates', o.warmupUpdates, nonNegativeInteger, 'an integer >= 0');
  const total = check(kind, 'totalUpdates', o.totalUpdates, (v) => Number.isInteger(v) && v > warmup, `an integer > warmupUpdates (${warmup})`);
  const endLr = check(kind, 'endLr', o.endLr ?? 0, nonNegative, 'a number >= 0');
  const power = check(kind, 'power', o.power ?? 1, (v) => v > 0, 'a number > 0');
  return schedule(kind, (k) => {
    if (warmup > 0 && k <= warmup) return (peak * k) / warmup;
    if (k >= total) return endLr;
    return (peak - endLr) * (1 - (k - warmup) / (total - warmup)) ** power + endLr;
  });
}

/** The same LR for every update. */
export function constantLr(lr: number): LrSchedule {
  const value = check('constant', 'lr', lr, nonNegative, 'a number >= 0');
  return schedule('constant', () => value);
}

/** Build a schedule from its JSON description; unknown kinds and bad fields get an error naming them. */
export function buildSchedule(spec: ScheduleSpec): LrSchedule {
  if (typeof spec !== 'object' || spec === null) throw new Error(`schedule spec must be an object with a "kind" field, got ${JSON.stringify(spec)}.`);
  switch (spec.kind) {
    case 'constant':
      return constantLr(spec.lr);
    case 'cosine':
      return cosineWithWarmup(spec);
    case 'tri_stage':
      return triStage(spec);
    case 'polynomial':
      return polynomialDecay(spec);
    default: {
      const kind = (spec as { kind?: unknown }).kind;
      throw new Error(`schedule spec has unknown kind ${JSON.stringify(kind)}; expected "constant", "cosine", "tri_stage" or "polynomial".`);
    }
  }
}
