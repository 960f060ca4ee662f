/**
 * data2vec 2.0 multi-mask, spec §2.2 step 4, §2.4 and traps 10–11: the data loader
 * draws `clone_batch` = M independent masks per sample (`MaeImageDataset` /
 * `FileAudioDataset` call the block-mask function with shape `(clone_batch, L)`), and
 * the collater stacks them sample-major, so row b·M + m is clone m of sample b. This
 * matches the student's `repeat_interleave(M)` of the local features and of the
 * targets. `make_maskinfo` reads `len_keep` from row 0, so every row of the whole
 * batch must mask the same number of positions.
 */
import { Rng } from '../util/rng';
import { MaskBatch, concatMaskBatches, maskedCounts } from './mask-batch';
import { assertIntegerAtLeast } from './validate';

/** Draws the `clones` masks of one sample, as a batch of `clones` rows. */
export type CloneMaskDrawer = (clones: number, rng: Rng) => MaskBatch;

/**
 * `batch·clones` masks in clone order (sample-major). By default throws unless every
 * row masks the same number of positions, which the v2 block and random maskers ensure.
 */
export function cloneMasks(
  batch: number,
  clones: number,
  drawForSample: CloneMaskDrawer,
  rng: Rng,
  options: { requireSameCount?: boolean } = {},
): MaskBatch {
  assertIntegerAtLeast('batch', batch);
  assertIntegerAtLeast('clones', clones);
  const perSample: MaskBatch[] = [];
  for (let b = 0; b < batch; b++) {
    const masks = drawForSample(clones, rng);
    if (masks.rows !== clones) {
      throw new Error(`the mask drawer returned ${masks.rows} rows for sample ${b} but ${clones} clones were asked for.`);
    }
    perSample.push(masks);
  }
  const out = concatMaskBatches(perSample);
  if (options.requireSameCount ?? true) {
    const counts = maskedCounts(out);
    const distinct = [...new Set(counts)];
    if (distinct.length > 1) {
      throw new Error(
        `clone masks have different masked counts (${distinct.join(', ')}); the v2 student needs equal counts, so use a strategy with an exact count or pass requireSameCount: false.`,
      );
    }
  }
  return out;
}
