/**
 * The `require_same_masks` fix-up of fairseq `compute_block_mask_1d` /
 * `compute_block_mask_2d` (spec §2.2 step 3, §2.4 step 4, trap 11): a row with too
 * many set positions has random ones cleared (`torch.multinomial(m, n - target)`), a
 * row with too few has random clear ones set (`torch.multinomial(1 - m, target - n)`),
 * so every row ends with exactly `target` set positions.
 */
import { Rng } from '../util/rng';
import { chooseWithoutReplacement, indicesEqual } from './reference-math';
import { countOnes } from './mask-batch';

/** Sets or clears uniformly chosen positions of `row` (in place) until exactly `target` are 1. */
export function forceSetCount(row: Uint8Array, target: number, rng: Rng): void {
  if (!Number.isInteger(target) || target < 0 || target > row.length) {
    throw new Error(`cannot make ${target} of ${row.length} positions masked: the target must be an integer in [0, ${row.length}].`);
  }
  const n = countOnes(row);
  if (n > target) {
    for (const i of chooseWithoutReplacement(indicesEqual(row, 1), n - target, rng)) row[i] = 0;
  } else if (n < target) {
    for (const i of chooseWithoutReplacement(indicesEqual(row, 0), target - n, rng)) row[i] = 1;
  }
}
