/**
 * The EMA decay schedule (spec §4.1): τ rises linearly from τ0 to τe over n updates,
 * then stays at τe (fairseq `get_annealed_rate`). τ = 1 freezes the teacher.
 */

export interface EmaSchedule {
  /** τ0, the decay at update 0. */
  tauStart: number;
  /** τe, the decay from update `annealUpdates` on. */
  tauEnd: number;
  /** n, the number of updates over which τ is annealed (0: constant τe). */
  annealUpdates: number;
}

/** τ after `update` optimizer updates: τe − (τe − τ0)·(1 − u/n) for u < n, τe afterwards. */
export function annealedTau(schedule: EmaSchedule, update: number): number {
  const { tauStart, tauEnd, annealUpdates } = schedule;
  if (tauStart === tauEnd || annealUpdates <= 0 || update >= annealUpdates) return tauEnd;
  return tauEnd - (tauEnd - tauStart) * (1 - update / annealUpdates);
}

/** Throws a one-sentence error when a schedule is impossible. */
export function validateEmaSchedule(schedule: EmaSchedule, field = 'ema'): void {
  for (const key of ['tauStart', 'tauEnd'] as const) {
    const v = schedule[key];
    if (!(v >= 0 && v <= 1)) throw new Error(`${field}.${key} is ${v}; an EMA decay must lie in [0, 1].`);
  }
  if (!(schedule.annealUpdates >= 0)) throw new Error(`${field}.annealUpdates is ${schedule.annealUpdates}; it must be a number of updates ≥ 0.`);
}
