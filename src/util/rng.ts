/**
 * Seeded random numbers (design principle "seeded and deterministic"): masks,
 * weight init, dropout seeds and data order all draw from an `Rng`, so the same
 * seed gives the same run on every backend. Built on seedrandom's alea.
 */
import seedrandom from 'seedrandom';

export class Rng {
  private readonly prng: seedrandom.PRNG;
  private spare: number | undefined;

  constructor(readonly seed: number | string = 0) {
    this.prng = seedrandom.alea(String(seed));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.prng();
  }

  /** Integer uniform in [lo, hi) (hi exclusive). */
  int(lo: number, hi: number): number {
    if (!(hi > lo)) throw new Error(`Rng.int needs hi > lo, got [${lo}, ${hi}).`);
    return lo + Math.floor(this.prng() * (hi - lo));
  }

  /** Standard normal (Box-Muller, one spare kept). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** n draws from N(mean, std²). */
  normalArray(n: number, std = 1, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** n draws from N(0, std²) truncated to [-2std, 2std] (timm `trunc_normal_`, redraw outside). */
  truncNormalArray(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let z = this.normal();
      while (z < -2 || z > 2) z = this.normal();
      out[i] = std * z;
    }
    return out;
  }

  /** n draws from U[lo, hi). */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** k distinct integers from [0, n), in draw order (numpy `choice(replace=False)`). */
  sampleWithoutReplacement(n: number, k: number): number[] {
    if (k > n) throw new Error(`cannot draw ${k} distinct values from ${n}.`);
    return this.permutation(n).slice(0, k);
  }

  /** A 31-bit integer, for seeding tfjs ops such as `tf.dropout`. */
  int32(): number {
    return Math.floor(this.prng() * 0x7fffffff);
  }

  /** A new independent stream derived from this one. */
  fork(): Rng {
    return new Rng(`${this.int32()}:${this.int32()}`);
  }
}
