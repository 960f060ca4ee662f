/**
 * How much of a set of token features one discrete attribute of the tokens explains
 * (a diagnostic for spec §8 trap 29, collapse that loss and target variance do not
 * show): the between-group share of the variance, per dimension, averaged over the
 * dimensions. Averaging the per-dimension shares weights every dimension equally,
 * as the linear probe does after standardising its features.
 *
 * With absolute position as the attribute it measures how far token features have
 * become a code of where the token sits rather than of what it is and what surrounds
 * it; with the token id, how much word identity they keep. Groups with a single row
 * explain that row perfectly by construction, so only rows whose group holds at least
 * `minGroupSize` rows take part.
 */

/** Options of {@link explainedShare}. */
export interface ExplainedShareOptions {
  /** Rows whose group has fewer rows than this are left out (default 2). */
  minGroupSize?: number;
}

/**
 * Mean over dimensions of R² = 1 − (within-group sum of squares) / (total sum of
 * squares) for the rows of `x` (row-major `[n, dim]`) grouped by `groups[i]`.
 * A dimension with no spread counts as 0. Returns 0 when fewer than two rows remain.
 */
export function explainedShare(x: ArrayLike<number>, dim: number, groups: ArrayLike<number>, options: ExplainedShareOptions = {}): number {
  const n = groups.length;
  if (!(Number.isInteger(dim) && dim > 0) || x.length !== n * dim) {
    throw new Error(`explainedShare needs ${n} rows of ${dim} values (one group per row), got ${x.length} values.`);
  }
  const minGroupSize = options.minGroupSize ?? 2;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(groups[i], (counts.get(groups[i]) ?? 0) + 1);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (counts.get(groups[i])! >= minGroupSize) rows.push(i);
  if (rows.length < 2) return 0;
  const mean = new Float64Array(dim);
  const groupSums = new Map<number, Float64Array>();
  for (const i of rows) {
    let s = groupSums.get(groups[i]);
    if (!s) groupSums.set(groups[i], (s = new Float64Array(dim)));
    for (let j = 0; j < dim; j++) {
      mean[j] += x[i * dim + j] / rows.length;
      s[j] += x[i * dim + j];
    }
  }
  const total = new Float64Array(dim);
  const within = new Float64Array(dim);
  for (const i of rows) {
    const s = groupSums.get(groups[i])!;
    const c = counts.get(groups[i])!;
    for (let j = 0; j < dim; j++) {
      const v = x[i * dim + j];
      total[j] += (v - mean[j]) ** 2;
      within[j] += (v - s[j] / c) ** 2;
    }
  }
  let share = 0;
  for (let j = 0; j < dim; j++) if (total[j] > 0) share += 1 - within[j] / total[j];
  return share / dim;
}

/**
 * Mean over dimensions of R² = 1 − Σ(y − p)² / Σ(y − ȳ)² for targets `y` and predictions
 * `p` (row-major `[n, dim]`): the share of the targets' variance a predictor explains,
 * on the same scale as {@link explainedShare}, so the two can be compared (a regression
 * that explains less than position alone has learned little beyond position).
 * A dimension with no spread counts as 0.
 */
export function predictedShare(y: ArrayLike<number>, p: ArrayLike<number>, dim: number): number {
  if (!(Number.isInteger(dim) && dim > 0) || y.length !== p.length || y.length % dim !== 0) {
    throw new Error(`predictedShare needs targets and predictions of the same [n, ${dim}] shape, got ${y.length} and ${p.length} values.`);
  }
  const n = y.length / dim;
  if (n < 2) return 0;
  let share = 0;
  for (let j = 0; j < dim; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i * dim + j] / n;
    let total = 0;
    let residual = 0;
    for (let i = 0; i < n; i++) {
      total += (y[i * dim + j] - mean) ** 2;
      residual += (y[i * dim + j] - p[i * dim + j]) ** 2;
    }
    if (total > 0) share += 1 - residual / total;
  }
  return share / dim;
}
