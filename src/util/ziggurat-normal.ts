/**
 * Normal draws from a counter-based PCG stream (src/util/pcg-stream.ts) by the ziggurat
 * method (Marsaglia & Tsang 2000, 128 layers), for seeded weight initialisation
 * (spec §1: normal / truncated normal std 0.02, kaiming normal). About 98.8 % of draws
 * take one stream word, one table compare and one multiply; the rest fall back to the
 * exact wedge and tail tests. The layer comes from a word's low 7 bits and the value
 * from its other 25 (Doornik 2005: the two must not share bits).
 */
import { streamKey, streamWord, UNIFORM_STEP } from './pcg-stream';

const LAYERS = 128;
/** Start of the tail (x of the base layer's right edge) and the area of each layer. */
const R = 3.442619855899;
const AREA = 9.91256303526217e-3;
/** Scale of the signed 25-bit value: |j| < 2^24. */
const M = 16777216;

/** kn: |j| below kn[i] lies inside layer i's rectangle; wn: j → x; fn: the density at each edge. */
const { kn, wn, fn } = (() => {
  const kn = new Float64Array(LAYERS);
  const wn = new Float64Array(LAYERS);
  const fn = new Float64Array(LAYERS);
  let dn = R;
  let tn = dn;
  const q = AREA / Math.exp(-0.5 * dn * dn);
  kn[0] = (dn / q) * M;
  kn[1] = 0;
  wn[0] = q / M;
  wn[LAYERS - 1] = dn / M;
  fn[0] = 1;
  fn[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(AREA / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = (dn / tn) * M;
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / M;
  }
  return { kn, wn, fn };
})();

/** A uniform in (0, 1) from a word (never 0, so its logarithm is finite). */
const openUniform = (word: number) => ((word >>> 8) + 0.5) * UNIFORM_STEP;

/**
 * `size` draws from N(0, std²) made from stream (`seed`, `stream`), each redrawn while
 * |z| > `bound` (the truncated normal of timm's `trunc_normal_(std, a=-2std, b=2std)`
 * with `bound` 2; Infinity for a plain normal). Deterministic for a seed.
 */
export function zigguratNormalArray(size: number, std: number, seed: number, bound = Infinity, stream = 0): Float32Array {
  if (!(bound > 0)) throw new Error(`zigguratNormalArray needs a positive truncation bound, got ${bound}.`);
  const key = streamKey(seed, stream);
  const out = new Float32Array(size);
  let counter = 0;
  let filled = 0;
  while (filled < size) {
    const word = streamWord(key, counter++) | 0;
    const layer = word & (LAYERS - 1);
    const j = word >> 7; // signed, |j| <= 2^24
    let z: number;
    if (Math.abs(j) < kn[layer]) {
      z = j * wn[layer];
    } else if (layer === 0) {
      // the tail beyond R (Marsaglia 1964)
      let x: number;
      let y: number;
      do {
        x = -Math.log(openUniform(streamWord(key, counter++))) / R;
        y = -Math.log(openUniform(streamWord(key, counter++)));
      } while (y + y < x * x);
      z = j > 0 ? R + x : -R - x;
    } else {
      // the wedge between layer's rectangle and the density: accept with the density's odds
      const x = j * wn[layer];
      const u = openUniform(streamWord(key, counter++));
      if (fn[layer] + u * (fn[layer - 1] - fn[layer]) >= Math.exp(-0.5 * x * x)) continue;
      z = x;
    }
    if (z > bound || z < -bound) continue;
    out[filled++] = std * z;
  }
  return out;
}
