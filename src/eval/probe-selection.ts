/**
 * Choosing the linear probe's L2 strength without looking at test (spec §7; the
 * protocol of MAE's and DINO's linear-probe scripts, which tune on a part of
 * train): a seeded, class-stratified fifth of the train split is held out as
 * validation, the probe is fitted on the rest once per candidate strength, the
 * strength with the best validation accuracy (ties: the stronger penalty) is
 * kept, and the probe is refitted on the whole train split with it. The test
 * split is touched once, by the final fit.
 */
import { LabelledFeatures } from './features';
import { linearProbe, LinearProbeOptions, LinearProbeResult } from './linear-probe';
import { Rng } from '../util/rng';

/** Candidate L2 strengths, weakest first. */
export const PROBE_WEIGHT_DECAYS: readonly number[] = Object.freeze([1e-4, 1e-3, 1e-2, 1e-1, 1]);

/** What {@link selectedLinearProbe} returns: the final probe plus the selection it made. */
export interface SelectedProbeResult extends LinearProbeResult {
  /** The L2 strength chosen on validation. */
  weightDecay: number;
  /** Validation accuracy per candidate, in the order of the candidates. */
  validation: { weightDecay: number; accuracy: number }[];
}

function rows(f: LabelledFeatures, idx: number[]): LabelledFeatures {
  const x = new Float32Array(idx.length * f.dim);
  idx.forEach((r, i) => x.set(f.x.subarray(r * f.dim, (r + 1) * f.dim), i * f.dim));
  return { x, y: Int32Array.from(idx, (r) => f.y[r]), n: idx.length, dim: f.dim };
}

/**
 * Split train rows into fit and validation parts: per class, a seeded shuffle and
 * `round(fraction · count)` rows (at least 1 when the class has 2 or more) to validation.
 */
export function stratifiedHoldout(labels: Int32Array, fraction: number, seed: number): { fit: number[]; validation: number[] } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`the validation fraction must be in (0, 1), got ${fraction}.`);
  const byClass = new Map<number, number[]>();
  labels.forEach((c, i) => byClass.set(c, [...(byClass.get(c) ?? []), i]));
  const rng = new Rng(`${seed}:probe-validation`);
  const fit: number[] = [];
  const validation: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(c)!;
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    const k = members.length < 2 ? 0 : Math.max(1, Math.round(fraction * members.length));
    validation.push(...members.slice(0, k));
    fit.push(...members.slice(k));
  }
  return { fit: fit.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}

/** A linear probe whose L2 strength is chosen on a validation part of train (see the file header). */
export async function selectedLinearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  options: LinearProbeOptions & { candidates?: readonly number[]; validationFraction?: number } = {},
): Promise<SelectedProbeResult> {
  const { candidates = PROBE_WEIGHT_DECAYS, validationFraction = 0.2, ...linear } = options;
  if (candidates.length === 0) throw new Error('selectedLinearProbe needs at least one candidate weight decay.');
  const split = stratifiedHoldout(train.y, validationFraction, linear.seed ?? 0);
  const fit = rows(train, split.fit);
  const validation = rows(train, split.validation);
  const scores: { weightDecay: number; accuracy: number }[] = [];
  for (const weightDecay of candidates) {
    scores.push({ weightDecay, accuracy: (await linearProbe(fit, validation, numClasses, { ...linear, weightDecay })).accuracy });
  }
  let best = scores[0];
  for (const s of scores) if (s.accuracy >= best.accuracy) best = s;
  const final = await linearProbe(train, test, numClasses, { ...linear, weightDecay: best.weightDecay });
  return { ...final, weightDecay: best.weightDecay, validation: scores };
}
