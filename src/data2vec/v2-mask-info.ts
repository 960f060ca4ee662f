/**
 * The v2 student's mask bookkeeping (spec §2.5; fairseq `make_maskinfo`, trap 11,
 * trap 26): from a batch of 0/1 masks with the same masked count in every row, the
 * float mask (1 = masked, the loss weights), `ids_keep` (the visible positions each
 * row keeps, in the order the encoder sees them) and `ids_restore` (where each
 * original position sits in the kept-then-masked order), as flat row indices ready
 * for `gatherTokens` / `restoreTokens`. With M clones per sample (rows b·M … b·M + M − 1
 * belong to sample b, trap 10) it also gives `ids_keep` into the un-cloned [B·T] view,
 * so a modality can clone and drop in one gather without materialising B·M full rows.
 */
import * as tf from '@tensorflow/tfjs';
import { MaskBatch } from '../masking/mask-batch';
import { MaskWithIndices, keepRestoreIndices } from '../masking/random-mask';
import { flatRowIndices, hostRowIndex, rowIndexTensor } from '../nn/gather-tokens';

/** Tensors describing which tokens each of R rows keeps (`MaskInfo` in fairseq). */
export interface MaskInfo {
  /** Rows R (samples × clones). */
  rows: number;
  /** Positions T per row. */
  length: number;
  /** Kept (visible) positions K per row, the same in every row. */
  lenKeep: number;
  /** [R, T] float32, 1 = masked (dropped from the encoder, predicted). */
  mask: tf.Tensor2D;
  /** Masks per sample M (R = B·M). */
  clones: number;
  /** [R·K] int32: flat `ids_keep` into the [R·T] view (cloned rows). */
  keepIndex: tf.Tensor1D;
  /** [R·K] int32: flat `ids_keep` into the [B·T] view of the samples (row r reads sample ⌊r/M⌋). */
  sourceKeepIndex: tf.Tensor1D;
  /** [R·T] int32: flat `ids_restore` into the [R·T] view of cat([kept, masked]). */
  restoreIndex: tf.Tensor1D;
}

/**
 * Mask tensors for `mask` (ids from a stable argsort, so kept positions come in
 * positional order), or for a {@link MaskWithIndices} whose own `idsKeep` order is
 * kept (e.g. `randomMask`'s noise order). Throws unless every row masks the same count.
 */
export function makeMaskInfo(mask: MaskBatch | MaskWithIndices, clones = 1): MaskInfo {
  const withIds = 'idsKeep' in mask ? mask : keepRestoreIndices(mask);
  const m = withIds.mask;
  if (!Number.isInteger(clones) || clones < 1 || m.rows % clones !== 0) {
    throw new Error(`${m.rows} mask rows cannot be ${clones} clones per sample; draw exactly clones masks for every sample.`);
  }
  const lenKeep = withIds.idsKeep[0]?.length ?? 0;
  const keep = flatRowIndices(withIds.idsKeep, m.length);
  const restore = flatRowIndices(withIds.idsRestore, m.length);
  const source = new Int32Array(keep.length);
  for (let i = 0; i < keep.length; i++) {
    const r = Math.floor(i / Math.max(lenKeep, 1));
    source[i] = keep[i] - r * m.length + Math.floor(r / clones) * m.length;
  }
  return {
    rows: m.rows,
    length: m.length,
    lenKeep,
    clones,
    mask: tf.tensor2d(Float32Array.from(m.data), [m.rows, m.length]),
    // the host values travel with the tensors, so the gathers never read them back
    keepIndex: rowIndexTensor(keep),
    sourceKeepIndex: rowIndexTensor(source),
    restoreIndex: rowIndexTensor(restore),
  };
}

/**
 * The mask info of the first `samples` samples (their M clones are the first rows, so
 * every row-major flat index list is cut to a prefix and keeps its values).
 */
export function sliceMaskInfo(info: MaskInfo, samples: number): MaskInfo {
  const rows = samples * info.clones;
  if (!Number.isInteger(samples) || samples < 1 || rows > info.rows) throw new Error(`cannot take ${samples} samples of a mask info of ${info.rows / info.clones}.`);
  const prefix = (index: tf.Tensor1D, perRow: number) => rowIndexTensor(hostRowIndex(index).slice(0, rows * perRow));
  return {
    ...info,
    rows,
    mask: tf.slice(info.mask, 0, rows),
    keepIndex: prefix(info.keepIndex, info.lenKeep),
    sourceKeepIndex: prefix(info.sourceKeepIndex, info.lenKeep),
    restoreIndex: prefix(info.restoreIndex, info.length),
  };
}
