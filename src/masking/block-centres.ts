/**
 * The recipe fairseq's `compute_block_mask_1d` and `compute_block_mask_2d` share
 * (`fairseq/data/data_utils.py`; spec §2.2 speech, §2.4 images): with `inverseMask` the
 * blocks mark kept positions (p = 1 − mask_prob); `int(L·((p + adjust)/S)·(1 + mask_dropout))`
 * block centres (S: positions one block covers, B or B²) are drawn uniformly with
 * replacement over the L positions; each marks its block; with `requireSameMasks` a row
 * is fixed up to exactly `int(L·p)` marked positions; with `inverseMask` it is flipped.
 * What a block covers around its centre is the caller's.
 */
import { Rng } from '../util/rng';
import { MaskBatch, emptyMaskBatch, maskRow } from './mask-batch';
import { forceSetCount } from './exact-count';
import { assertFinite, assertIntegerAtLeast, assertProbability } from './validate';

/** The options both block masks take; names follow fairseq's arguments. */
export interface BlockCentreOptions {
  /** Fraction of positions (patches) masked in the end (`mask_prob`). */
  maskProb: number;
  /** Span length or square block side B (`mask_length`; the 2-D mask needs B > 1, as in the reference). */
  maskLength: number;
  /** Extra centre density that compensates for overlaps (`mask_prob_adjust`). */
  maskProbAdjust: number;
  /** Blocks mark kept positions and the mask is flipped at the end (`inverse_mask`). */
  inverseMask: boolean;
  /** Force exactly `int(L·p)` marked positions per row (`require_same_masks`). */
  requireSameMasks: boolean;
  /** Only scales the number of centres by (1 + mask_dropout), as in the reference (`mask_dropout`). */
  maskDropout: number;
}

/** Checks the options both block masks take; `minLength` is the smallest block side allowed. */
export function assertBlockCentreOptions(o: BlockCentreOptions, minLength: number): void {
  assertProbability('maskProb', o.maskProb);
  assertIntegerAtLeast('maskLength', o.maskLength, minLength);
  assertFinite('maskProbAdjust', o.maskProbAdjust);
  assertFinite('maskDropout', o.maskDropout);
}

/**
 * `batch` rows of `length` positions masked by the recipe above; `blockSize` is how many
 * positions one block covers (S), and `markBlock(row, centre)` sets the block around
 * `centre` to 1. The centres are drawn row by row, in the reference's order.
 */
export function drawBlockCentreMasks(
  batch: number,
  length: number,
  blockSize: number,
  o: BlockCentreOptions,
  rng: Rng,
  markBlock: (row: Uint8Array, centre: number) => void,
): MaskBatch {
  const p = o.inverseMask ? 1 - o.maskProb : o.maskProb;
  const numCenters = Math.max(0, Math.trunc(length * ((p + o.maskProbAdjust) / blockSize) * (1 + o.maskDropout)));
  const out = emptyMaskBatch(batch, length);
  for (let b = 0; b < batch; b++) {
    const row = maskRow(out, b);
    for (let k = 0; k < numCenters; k++) markBlock(row, rng.int(0, length));
    if (o.requireSameMasks) forceSetCount(row, Math.trunc(length * p), rng);
    if (o.inverseMask) for (let i = 0; i < length; i++) row[i] = 1 - row[i];
  }
  return out;
}
