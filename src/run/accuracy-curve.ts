/**
 * Probe accuracy against training time (spec §7.2: data2vec 2.0 is judged by the
 * pretraining time it needs to reach a given accuracy). A curve is the list of
 * probes taken during a run; the time to an accuracy is where the curve first
 * crosses it, linearly interpolated between the last probe below the threshold and
 * the first probe at or above it (probes are taken at fixed training-clock
 * intervals, so interpolation removes the bias of the probe grid when two runs
 * cross between probes). A curve that starts at or above the threshold crosses at
 * 0; one that never reaches it has no time (null).
 */

/** One probe during training. */
export interface CurvePoint {
  /** Optimizer updates done when the probe ran. */
  update: number;
  /** Training clock (wall seconds of updates only, probes excluded) when the probe ran. */
  seconds: number;
  /** Process CPU seconds of the updates only. */
  cpu_seconds: number;
  /** Linear-probe test accuracy. */
  accuracy: number;
  /** The probe's L2 strength, chosen on a validation fifth of the train split. */
  weight_decay: number;
  /** Accuracy on that validation fifth at the chosen L2 (fitted on the other four fifths); absent in files written before it was recorded. */
  validation_accuracy?: number;
}

/** Where a curve first reaches a threshold. */
export interface Crossing {
  /** Training seconds, interpolated between the probe before and the first probe at or above the threshold. */
  seconds: number;
  /** The same on the process CPU clock. */
  cpu_seconds: number;
  /** Updates, interpolated the same way (fractional between probes). */
  updates: number;
  /** Index of the first probe at or above the threshold. */
  probe: number;
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/**
 * The first crossing of `threshold` by a curve (points in training order), or null when
 * no probe reaches it. Throws one sentence for a curve whose clock goes backwards.
 */
export function firstCrossing(points: readonly CurvePoint[], threshold: number): Crossing | null {
  for (let i = 1; i < points.length; i++) {
    if (points[i].seconds < points[i - 1].seconds) {
      throw new Error(`probe ${i} is at ${points[i].seconds} s, before probe ${i - 1} at ${points[i - 1].seconds} s; pass the probes in training order.`);
    }
  }
  const i = points.findIndex((p) => p.accuracy >= threshold);
  if (i < 0) return null;
  const hit = points[i];
  if (i === 0) return { seconds: hit.seconds, cpu_seconds: hit.cpu_seconds, updates: hit.update, probe: 0 };
  const prev = points[i - 1];
  const t = (threshold - prev.accuracy) / (hit.accuracy - prev.accuracy);
  return { seconds: lerp(prev.seconds, hit.seconds, t), cpu_seconds: lerp(prev.cpu_seconds, hit.cpu_seconds, t), updates: lerp(prev.update, hit.update, t), probe: i };
}

/** The best accuracy of a curve and where it was reached. */
export function bestPoint(points: readonly CurvePoint[]): CurvePoint {
  if (points.length === 0) throw new Error('the curve has no probes; probe at least once (at update 0).');
  return points.reduce((best, p) => (p.accuracy > best.accuracy ? p : best));
}

/**
 * The accuracy a curve has reached by `seconds` of training: the last probe at or before
 * that time (a curve is known only at its probes), or null when none was taken by then.
 */
export function accuracyAt(points: readonly CurvePoint[], seconds: number): number | null {
  let acc: number | null = null;
  for (const p of points) if (p.seconds <= seconds) acc = p.accuracy;
  return acc;
}
