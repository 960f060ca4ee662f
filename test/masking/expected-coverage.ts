/**
 * Exact expected masked fraction of span masking without a batch cut, used as the
 * reference value for the span tests (spec §2.1, §2.6): `x` = expected number of starts
 * (the reference draws int(x + U), i.e. ⌊x⌋ or ⌊x⌋ + 1 with probability frac(x)); starts are
 * distinct and uniform over [0, startRange); each covers `span` positions of `length`,
 * cut at the end. Position t is missed when none of the c_t starts covering it is
 * drawn: C(N − c_t, K) / C(N, K).
 */
export function expectedSpanCoverage(length: number, startRange: number, span: number, x: number): number {
  const N = startRange;
  const k = Math.floor(x);
  const fractionFor = (K: number) => {
    let total = 0;
    for (let t = 0; t < length; t++) {
      const c = Math.max(0, Math.min(t, N - 1) - Math.max(0, t - span + 1) + 1);
      let missed = 1;
      for (let i = 0; i < K; i++) missed *= (N - c - i) / (N - i);
      total += 1 - missed;
    }
    return total / length;
  };
  return (1 - (x - k)) * fractionFor(k) + (x - k) * fractionFor(k + 1);
}

/** Mean and standard error of the mean of `values`. */
export function meanAndStandardError(values: number[]): { mean: number; se: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, se: Math.sqrt(variance / values.length) };
}
