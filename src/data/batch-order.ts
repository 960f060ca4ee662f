/**
 * Deterministic sample order (design "seeded and deterministic"): each epoch is a
 * seeded permutation of the data set, and the samples of any micro-batch follow
 * from (seed, position) alone, so a resumed run sees exactly the batches an
 * uninterrupted run would have seen.
 */
import { Rng } from '../util/rng';

/**
 * Indices of the `count` samples starting at global position `start` of the
 * sequence epoch 0, epoch 1, … (each a permutation of 0..n−1 drawn from the seed).
 */
export function sampleIndices(n: number, start: number, count: number, seed: number | string): number[] {
  if (!(n > 0)) throw new Error('cannot draw batches from an empty data set.');
  const out: number[] = [];
  let epoch = -1;
  let perm: number[] = [];
  for (let p = start; p < start + count; p++) {
    const e = Math.floor(p / n);
    if (e !== epoch) {
      epoch = e;
      perm = new Rng(`${seed}:epoch:${e}`).permutation(n);
    }
    out.push(perm[p - e * n]);
  }
  return out;
}

/** Global position of micro-batch `micro` of update `update`. */
export function batchStart(update: number, micro: number, batchSize: number, accumulation: number): number {
  return (update * accumulation + micro) * batchSize;
}
