/**
 * data2vec 2.0 text masking over padded rows (spec §2.6 "v2", §2.5, traps 10–11, 26;
 * fairseq `random_masking` in `modalities/base.py`, `mask_length: 1`).
 *
 * The reference masks MAE style: per row, noise ~ U[0, 1) at every position,
 * `ids_shuffle = argsort(noise)`, the first `len_keep = int(T·(1 − p))` kept (in noise
 * order, trap 26), the rest masked, so every row masks exactly T − len_keep. It never
 * looks at padding, because its rows are full 512-token blocks.
 *
 * Rows of one document each are padded to the longest row of the batch, so here:
 * - every row masks exactly `n = Lmin − int(Lmin·(1 − p))` positions, where Lmin is
 *   the shortest real (non-pad) length in the batch — the reference count for a
 *   full row of Lmin tokens, and the same in every row as `make_maskinfo` needs (it
 *   reads `len_keep` from row 0). Cutting every row down to the batch minimum is what
 *   `require_same_masks` does in `compute_mask_indices`;
 * - the n masked positions are drawn uniformly among the row's real tokens (`<s>` and
 *   `</s>` included, as in the reference); padding is never masked, so it is never
 *   predicted and never in the loss. Pads stay among the kept tokens, where the
 *   encoder's key padding mask hides them.
 *
 * Each row draws `rng.uniformArray(T)` exactly as the reference algorithm
 * (`randomMask`), with pads given noise −1 so they sort first: without padding the
 * result equals `randomMask` draw for draw.
 */
import { Rng } from '../../util/rng';
import { emptyMaskBatch, maskRow } from '../../masking/mask-batch';
import { MaskWithIndices } from '../../masking/random-mask';
import { inversePermutation, stableArgsort } from '../../masking/reference-math';
import { assertProbability } from '../../masking/validate';

/** Positions each row masks: `Lmin − int(Lmin·(1 − maskProb))` (see the file header). */
export function textMaskCount(shortestLength: number, maskProb: number): number {
  return shortestLength - Math.trunc(shortestLength * (1 - maskProb));
}

/**
 * `clones` random masks for each of the rows of a padded batch, sample-major (row
 * b·clones + m is clone m of sample b), each masking exactly {@link textMaskCount}
 * real tokens and no padding.
 *
 * @param paddingMask [batch × seqLen] row-major, 1 at padding
 */
export function textRandomMasks(
  paddingMask: ArrayLike<number>,
  shape: { batch: number; seqLen: number },
  clones: number,
  maskProb: number,
  rng: Rng,
): MaskWithIndices {
  const { batch, seqLen: t } = shape;
  assertProbability('maskProb', maskProb);
  if (paddingMask.length !== batch * t) {
    throw new Error(`the padding mask has ${paddingMask.length} entries but the batch is ${batch} rows of ${t} tokens.`);
  }
  if (!Number.isInteger(clones) || clones < 1) throw new Error(`clones is ${clones}; it must be a positive integer.`);
  const real = Array.from({ length: batch }, (_, b) => {
    let n = 0;
    for (let i = 0; i < t; i++) if (!paddingMask[b * t + i]) n++;
    return n;
  });
  const shortest = Math.min(...real);
  const n = textMaskCount(shortest, maskProb);
  if (n < 1 || n >= shortest) {
    throw new Error(`the shortest row of the batch has ${shortest} tokens, too few to both mask and keep one at maskProb ${maskProb}; drop rows that short or change masking.maskProb.`);
  }
  const mask = emptyMaskBatch(batch * clones, t);
  const idsKeep: number[][] = [];
  const idsRestore: number[][] = [];
  for (let b = 0; b < batch; b++) {
    for (let m = 0; m < clones; m++) {
      const noise = rng.uniformArray(t);
      for (let i = 0; i < t; i++) if (paddingMask[b * t + i]) noise[i] = -1;
      const idsShuffle = stableArgsort(noise);
      const row = maskRow(mask, b * clones + m);
      for (let k = t - n; k < t; k++) row[idsShuffle[k]] = 1;
      idsKeep.push(idsShuffle.slice(0, t - n));
      idsRestore.push(inversePermutation(idsShuffle));
    }
  }
  return { mask, idsKeep, idsRestore };
}
