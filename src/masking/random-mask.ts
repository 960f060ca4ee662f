/**
 * data2vec 2.0 text masking, spec §2.5–§2.6 and trap 26: `random_masking` in fairseq
 * `examples/data2vec/models/modalities/base.py` (adapted from MAE), used when
 * `mask_length` is 1 (base: mask_prob 0.48, so 266 of 512 tokens are kept).
 *
 * Per row: `len_keep = int(L·(1 − mask_ratio))`; draw noise ~ U[0, 1) per position;
 * `ids_shuffle = argsort(noise)`, `ids_restore = argsort(ids_shuffle)`; the first
 * `len_keep` of `ids_shuffle` are kept (`ids_keep`, in noise order, not positional
 * order), the rest are masked. Every row therefore masks exactly the same number.
 * Padding is not considered, as in the reference.
 *
 * {@link keepRestoreIndices} gives the same two index lists for any mask with equal
 * counts per row, the way `make_maskinfo` derives them from a precomputed mask
 * (`argsort` of the 0/1 mask; here a stable sort, so kept positions come in order).
 */
import { Rng } from '../util/rng';
import { MaskBatch, SequenceBatchShape, emptyMaskBatch, maskRow, maskedCounts } from './mask-batch';
import { inversePermutation, stableArgsort } from './reference-math';
import { assertCount, assertIntegerAtLeast, assertProbability, withDefaults } from './validate';

/** A mask plus the gather / un-shuffle indices the v2 student uses (spec §2.5). */
export interface MaskWithIndices {
  /** 1 = masked (dropped from the student encoder), 0 = kept. */
  mask: MaskBatch;
  /** Per row, the kept positions in the order the encoder sees them (`ids_keep`). */
  idsKeep: number[][];
  /** Per row, where each original position sits in the kept-then-masked order (`ids_restore`). */
  idsRestore: number[][];
}

/** Options of {@link randomMask}. */
export interface RandomMaskOptions {
  /** Fraction to mask (`mask_ratio`, the config's `mask_prob`). */
  maskRatio: number;
}

/** data2vec 2.0 base text value (`mask_prob: 0.48`, spec §2.6). */
export const RANDOM_MASK_DEFAULTS: Readonly<RandomMaskOptions> = Object.freeze({ maskRatio: 0.48 });

/** MAE-style random masking: exactly `L − int(L·(1 − maskRatio))` masked positions per row. */
export function randomMask(shape: SequenceBatchShape, rng: Rng, options: Partial<RandomMaskOptions> = {}): MaskWithIndices {
  const { maskRatio } = withDefaults(RANDOM_MASK_DEFAULTS, options);
  assertCount('batch', shape.batch);
  assertIntegerAtLeast('length', shape.length);
  assertProbability('maskRatio', maskRatio);
  const L = shape.length;
  const lenKeep = Math.trunc(L * (1 - maskRatio));
  const mask = emptyMaskBatch(shape.batch, L);
  const idsKeep: number[][] = [];
  const idsRestore: number[][] = [];
  for (let b = 0; b < shape.batch; b++) {
    const idsShuffle = stableArgsort(rng.uniformArray(L));
    const row = maskRow(mask, b);
    for (let k = lenKeep; k < L; k++) row[idsShuffle[k]] = 1;
    idsKeep.push(idsShuffle.slice(0, lenKeep));
    idsRestore.push(inversePermutation(idsShuffle));
  }
  return { mask, idsKeep, idsRestore };
}

/**
 * `ids_keep` / `ids_restore` for a precomputed mask, as `make_maskinfo` builds them.
 * Every row must mask the same number of positions (trap 11), otherwise this throws.
 */
export function keepRestoreIndices(mask: MaskBatch): MaskWithIndices {
  const counts = maskedCounts(mask);
  if (counts.some((c) => c !== counts[0])) {
    throw new Error(`every mask row must have the same masked count to build ids_keep, got counts ${JSON.stringify(counts)}.`);
  }
  const lenKeep = mask.length - (counts[0] ?? 0);
  const idsKeep: number[][] = [];
  const idsRestore: number[][] = [];
  for (let b = 0; b < mask.rows; b++) {
    const idsShuffle = stableArgsort(maskRow(mask, b));
    idsKeep.push(idsShuffle.slice(0, lenKeep));
    idsRestore.push(inversePermutation(idsShuffle));
  }
  return { mask, idsKeep, idsRestore };
}
