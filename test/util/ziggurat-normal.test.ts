/**
 * Normal draws by the ziggurat over a PCG stream (src/util/ziggurat-normal.ts): mean,
 * standard deviation and the whole distribution (Kolmogorov–Smirnov distance to the
 * normal CDF) of plain and truncated draws, the tail beyond the base layer, the
 * truncation bounds, and determinism per seed.
 */
import { expect } from 'chai';
import { zigguratNormalArray } from '../../src/util/ziggurat-normal';

/** erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

/** Largest gap between the empirical CDF of `x` and `cdf`. */
function ksDistance(x: Float32Array, cdf: (v: number) => number): number {
  const sorted = Float64Array.from(x).sort();
  let d = 0;
  for (let i = 0; i < sorted.length; i++) {
    const c = cdf(sorted[i]);
    d = Math.max(d, Math.abs(c - i / sorted.length), Math.abs(c - (i + 1) / sorted.length));
  }
  return d;
}

const moments = (x: Float32Array) => {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let v2 = 0;
  for (const v of x) v2 += (v - m) ** 2;
  return { mean: m, std: Math.sqrt(v2 / x.length) };
};

describe('ziggurat normal draws over a PCG stream', () => {
  const n = 400_000;
  // KS critical distance at n = 400,000 for p = 0.001 is 1.95 / sqrt(n) ≈ 0.0031
  const ksLimit = 1.95 / Math.sqrt(n);

  it('plain normal: mean, std and the CDF of N(0, std²); the tail beyond the base layer at its rate', () => {
    const std = 1.5;
    const x = zigguratNormalArray(n, std, 3);
    const { mean, std: sd } = moments(x);
    expect(Math.abs(mean)).to.be.below((4 * std) / Math.sqrt(n));
    expect(Math.abs(sd / std - 1)).to.be.below(0.006);
    expect(ksDistance(x, (v) => phi(v / std))).to.be.below(ksLimit);
    // |z| > 3.5 lies beyond the ziggurat's base layer (r = 3.4426): 2(1 − Φ(3.5)) = 4.65e-4
    const tail = x.filter((v) => Math.abs(v) > 3.5 * std).length;
    const expected = n * 2 * (1 - phi(3.5));
    expect(Math.abs(tail - expected)).to.be.below(4 * Math.sqrt(expected));
    expect(x.every(Number.isFinite)).to.equal(true);
  });

  it('truncated at ±2σ: nothing outside, values reach the bounds, mean 0, std 0.8796σ, CDF of the truncated normal', () => {
    const std = 0.02;
    const x = zigguratNormalArray(n, std, 11, 2);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).to.be.at.least(Math.fround(-2 * std));
    expect(hi).to.be.at.most(Math.fround(2 * std));
    expect(lo).to.be.below(-1.99 * std);
    expect(hi).to.be.above(1.99 * std);
    // variance of N(0,1) truncated to [-2, 2]: 1 − 2·2·φ(2) / (Φ(2) − Φ(−2))
    const mass = phi(2) - phi(-2);
    const truncStd = Math.sqrt(1 - (4 * Math.exp(-2)) / Math.sqrt(2 * Math.PI) / mass);
    expect(truncStd).to.be.closeTo(0.8796, 1e-4);
    const { mean, std: sd } = moments(x);
    expect(Math.abs(mean)).to.be.below((4 * std * truncStd) / Math.sqrt(n));
    expect(Math.abs(sd / (std * truncStd) - 1)).to.be.below(0.006);
    expect(ksDistance(x, (v) => (phi(v / std) - phi(-2)) / mass)).to.be.below(ksLimit);
  });

  it('is deterministic per seed and stream; other seeds and streams give other values', () => {
    const a = zigguratNormalArray(5000, 1, 42, 2);
    expect(Array.from(zigguratNormalArray(5000, 1, 42, 2))).to.deep.equal(Array.from(a));
    const equalTo = (b: Float32Array) => b.filter((v, i) => v === a[i]).length;
    expect(equalTo(zigguratNormalArray(5000, 1, 43, 2))).to.be.below(5);
    expect(equalTo(zigguratNormalArray(5000, 1, 42, 2, 1))).to.be.below(5);
    // the std only scales: the same draws at another std
    const scaled = zigguratNormalArray(5000, 0.02, 42, 2);
    scaled.forEach((v, i) => expect(v).to.be.closeTo(0.02 * a[i], 5e-9));
  });

  it('refuses a non-positive truncation bound', () => {
    expect(() => zigguratNormalArray(10, 1, 0, 0)).to.throw('zigguratNormalArray needs a positive truncation bound, got 0.');
  });
});
