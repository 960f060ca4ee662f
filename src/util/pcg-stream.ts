/**
 * Counter-based random streams (design principle "seeded and deterministic"): word `i`
 * of a stream is a PCG hash of (stream key, i) (Jarzynski & Olano 2020), so any element
 * can be made on its own, in JavaScript or in a WGSL kernel (src/backend/device-random.ts)
 * with the same bits. Seeded weight initialisation (src/nn/init.ts) draws from the same
 * streams.
 */

/** The PCG hash of a 32-bit unsigned integer. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v, 747796405) + 2891336453) | 0;
  const word = Math.imul((state >>> ((state >>> 28) + 4)) ^ state, 277803737);
  return ((word >>> 22) ^ word) >>> 0;
}

/** The stream key of a seed (any integer; two streams of one seed differ in `stream`). */
export function streamKey(seed: number, stream = 0): number {
  return pcgHash((pcgHash(seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0);
}

/** Word `i` of stream `key`: 32 random bits (unsigned). */
export function streamWord(key: number, i: number): number {
  return pcgHash(pcgHash(i) ^ key);
}

/** 2^-24: the step of a stream's uniforms (24 random bits each). */
export const UNIFORM_STEP = 1 / 16777216;

/** Uniform [lo, hi) values of one stream (element i from word i's top 24 bits; [0, 1) by default). */
export function hashUniformArray(size: number, seed: number, stream = 0, lo = 0, hi = 1): Float32Array {
  const key = streamKey(seed, stream);
  const out = new Float32Array(size);
  const step = (hi - lo) * UNIFORM_STEP;
  for (let i = 0; i < size; i++) out[i] = lo + (streamWord(key, i) >>> 8) * step;
  return out;
}
