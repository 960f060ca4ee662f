/**
 * data2vec 2.0 image masking, spec §2.4 and trap 12: fairseq `compute_block_mask_2d`
 * (`fairseq/data/data_utils.py`) as `MaeImageDataset` calls it: `inverse_mask=True,
 * require_same_masks=True, expand_adjcent=False, mask_dropout=0, non_overlapping=False`
 * (base: mask_prob 0.8, mask_prob_adjust 0.07, mask_length 3; large/huge: 0.75 / 0.1 / 3).
 *
 * 1. With `inverseMask` the blocks mark **kept** patches: p = 1 − mask_prob.
 * 2. `int(L·((p + adjust)/B²)·(1 + mask_dropout))` block centres are drawn uniformly with
 *    replacement over the L = H·W patches (5 for base on 14×14).
 * 3. Each centre (r, c) marks the B×B square with offsets −⌊B/2⌋ … B − 1 − ⌊B/2⌋ in each
 *    direction, clamped at the border.
 * 4. With `requireSameMasks`, each row is fixed up to exactly `int(L·p)` marked patches
 *    (39 for base), then flipped: 157 of 196 masked.
 *
 * Non-square grids: the reference takes `d = int(√L)` and so only supports square
 * grids; here the centre index is split as (⌊i/W⌋, i mod W) and each axis is clamped to
 * its own size. On a square grid this is exactly the reference.
 */
import { Rng } from '../util/rng';
import { GridBatchShape, MaskBatch } from './mask-batch';
import { BlockCentreOptions, assertBlockCentreOptions, drawBlockCentreMasks } from './block-centres';
import { clamp } from './reference-math';
import { assertCount, assertIntegerAtLeast, withDefaults } from './validate';

/** Options of {@link inverseBlockMask2d} (see {@link BlockCentreOptions}). */
export type InverseBlockMask2dOptions = BlockCentreOptions;

/** data2vec 2.0 base image values (`ImageMaskingConfig`, spec §2.4). */
export const INVERSE_BLOCK_MASK_2D_DEFAULTS: Readonly<InverseBlockMask2dOptions> = Object.freeze({
  maskProb: 0.8,
  maskLength: 3,
  maskProbAdjust: 0.07,
  inverseMask: true,
  requireSameMasks: true,
  maskDropout: 0,
});

/** Draws `shape.batch` independent inverse block masks over a `height × width` grid (spec §2.4). */
export function inverseBlockMask2d(shape: GridBatchShape, rng: Rng, options: Partial<InverseBlockMask2dOptions> = {}): MaskBatch {
  const o = withDefaults(INVERSE_BLOCK_MASK_2D_DEFAULTS, options);
  assertCount('batch', shape.batch);
  assertIntegerAtLeast('height', shape.height);
  assertIntegerAtLeast('width', shape.width);
  assertBlockCentreOptions(o, 2);

  const { height: H, width: W } = shape;
  const offset = Math.floor(o.maskLength / 2);
  return drawBlockCentreMasks(shape.batch, H * W, o.maskLength ** 2, o, rng, (row, centre) => {
    const r0 = Math.floor(centre / W);
    const c0 = centre % W;
    for (let i = 0; i < o.maskLength; i++) {
      const r = clamp(r0 + i - offset, 0, H - 1);
      for (let j = 0; j < o.maskLength; j++) row[r * W + clamp(c0 + j - offset, 0, W - 1)] = 1;
    }
  });
}
