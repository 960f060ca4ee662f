/**
 * The collapse guard (spec §5.1, trap 29): the reference aborts after 5k updates when
 * `target_var` falls below 0.1 or `pred_var` below 0.01 (both computed by
 * `computeVar` in `../data2vec/diagnostics.ts`); the trainer here warns and records
 * instead.
 */

export interface CollapseThresholds {
  /** Warn when target_var falls below this (fairseq `min_target_var` 0.1). */
  minTargetVar: number;
  /** Warn when pred_var falls below this (fairseq `min_pred_var` 0.01). */
  minPredVar: number;
  /** Updates before the check starts (fairseq: 5000; scaled down for short runs). */
  afterUpdates: number;
}

export const DEFAULT_COLLAPSE: CollapseThresholds = { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: 5000 };

/** A warning sentence when the diagnostics show collapse at this update, else undefined. */
export function collapseWarning(update: number, targetVar: number, predVar: number, t: CollapseThresholds): string | undefined {
  if (update < t.afterUpdates) return undefined;
  if (targetVar < t.minTargetVar) {
    return `update ${update}: target_var ${targetVar.toFixed(4)} is below ${t.minTargetVar}: the teacher's targets are collapsing; lower the learning rate, lengthen the warm-up or raise the EMA decay.`;
  }
  if (predVar < t.minPredVar) {
    return `update ${update}: pred_var ${predVar.toFixed(4)} is below ${t.minPredVar}: the student's predictions are collapsing; lower the learning rate or lengthen the warm-up.`;
  }
  return undefined;
}
