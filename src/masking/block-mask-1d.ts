/**
 * data2vec 2.0 speech masking, spec §2.2: fairseq `compute_block_mask_1d`
 * (`fairseq/data/data_utils.py`) with `expand_adjcent=False, non_overlapping=False`,
 * as `FileAudioDataset` precomputes it (base: mask_prob 0.5, mask_prob_adjust 0.05,
 * mask_length 5; large: 0.55 / 0.1 / 5).
 *
 * 1. `int(L·((p + adjust)/B)·(1 + mask_dropout))` span centres are drawn uniformly
 *    with replacement in [0, L).
 * 2. Centre c marks [c − ⌊B/2⌋, c − ⌊B/2⌋ + B − 1], clamped to [0, L − 1].
 * 3. With `requireSameMasks`, every row is fixed up to exactly `int(L·p)` masked
 *    positions (trap 11), e.g. 125 of 250 for the base setting.
 * With `inverseMask` the spans mark kept positions (p becomes 1 − p) and the result is
 * flipped at the end, as in the reference.
 */
import { Rng } from '../util/rng';
import { MaskBatch, SequenceBatchShape } from './mask-batch';
import { BlockCentreOptions, assertBlockCentreOptions, drawBlockCentreMasks } from './block-centres';
import { clamp } from './reference-math';
import { assertCount, assertIntegerAtLeast, withDefaults } from './validate';

/** Options of {@link blockMask1d} (see {@link BlockCentreOptions}). */
export type BlockMask1dOptions = BlockCentreOptions;

/** data2vec 2.0 base audio values (`base_audio_only_task.yaml`, spec §2.2). */
export const BLOCK_MASK_1D_DEFAULTS: Readonly<BlockMask1dOptions> = Object.freeze({
  maskProb: 0.5,
  maskLength: 5,
  maskProbAdjust: 0.05,
  inverseMask: false,
  requireSameMasks: true,
  maskDropout: 0,
});

/** Draws `shape.batch` independent 1-D block masks of `shape.length` positions (spec §2.2). */
export function blockMask1d(shape: SequenceBatchShape, rng: Rng, options: Partial<BlockMask1dOptions> = {}): MaskBatch {
  const o = withDefaults(BLOCK_MASK_1D_DEFAULTS, options);
  assertCount('batch', shape.batch);
  assertIntegerAtLeast('length', shape.length);
  assertBlockCentreOptions(o, 1);

  const L = shape.length;
  const offset = Math.floor(o.maskLength / 2);
  return drawBlockCentreMasks(shape.batch, L, o.maskLength, o, rng, (row, c) => {
    for (let i = 0; i < o.maskLength; i++) row[clamp(c + i - offset, 0, L - 1)] = 1;
  });
}
