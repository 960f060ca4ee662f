/**
 * Small numeric helpers that reproduce what the Python reference code does (spec §2):
 * Python's `round` and numpy's `rint` (both round half to even), `np.random.choice(a,
 * k, replace=False)` / `torch.multinomial(ones, k)` (a uniform subset), and a stable
 * `argsort`. All randomness comes from the caller's `Rng`.
 */
import { Rng } from '../util/rng';

/** Python 3 `round(x)` / `np.rint(x)`: nearest integer, ties to the even one. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** `k` distinct elements of `values` chosen uniformly (numpy `choice(values, k, replace=False)`). */
export function chooseWithoutReplacement<T>(values: ReadonlyArray<T>, k: number, rng: Rng): T[] {
  return rng.sampleWithoutReplacement(values.length, k).map((i) => values[i]);
}

/** Indices `i` where `row[i] === value`, ascending. */
export function indicesEqual(row: ArrayLike<number>, value: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < row.length; i++) if (row[i] === value) out.push(i);
  return out;
}

/** Indices that sort `values` ascending; equal values keep their original order. */
export function stableArgsort(values: ArrayLike<number>): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  return idx.sort((a, b) => values[a] - values[b] || a - b);
}

/** The inverse permutation: `out[perm[i]] = i` (torch `perm.argsort()`). */
export function inversePermutation(perm: ReadonlyArray<number>): number[] {
  const out = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    out[p] = i;
  });
  return out;
}

/** `x` limited to [lo, hi] (torch `clamp_`). */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
