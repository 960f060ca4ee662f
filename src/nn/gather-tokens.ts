/**
 * Token gathers of data2vec 2.0 (spec §2.5, traps 10, 11, 26): `repeat_interleave`
 * of a batch into its clones, `gather_unmasked` (keep the visible tokens of each row,
 * in `ids_keep` order), and the decoder's un-shuffle (`torch.gather(cat([kept,
 * filler]), ids_restore)`). Every gather works on a [R·T, D] view with flat row
 * indices, so it is one {@link takeRows} (row copies with a scatter-add gradient;
 * on wasm ~5× less CPU than `tf.gather`, measured in `take-rows.ts`). Indices may be
 * given as an int32 tensor (as `MaskInfo` holds them) or as an `Int32Array`; a
 * tensor's values are read once and remembered for as long as the tensor lives.
 */
import * as tf from '@tensorflow/tfjs';
import { checkRowIndex, takeRows } from './take-rows';
import { hostInt32, int32WithHostCopy } from './host-copy';

/** Flat row indices: an int32 tensor or its values. */
export type RowIndex = tf.Tensor1D | Int32Array;

/** An int32 tensor of row indices whose values {@link hostRowIndex} knows without reading them back. */
export function rowIndexTensor(values: Int32Array): tf.Tensor1D {
  return int32WithHostCopy<tf.Rank.R1>(values, [values.length]);
}

/** The values of a row index (see `hostInt32`: remembered, never read back from a device). */
export function hostRowIndex(index: RowIndex): Int32Array {
  return index instanceof Int32Array ? index : hostInt32(index, 'row index');
}

/**
 * Flat row indices into a [rows·length, ...] view: entry `r·k + j` is
 * `r·length + perRow[r][j]`. Throws when rows differ in size (trap 11).
 */
export function flatRowIndices(perRow: readonly (readonly number[])[], length: number): Int32Array {
  const k = perRow[0]?.length ?? 0;
  const out = new Int32Array(perRow.length * k);
  perRow.forEach((row, r) => {
    if (row.length !== k) throw new Error(`row ${r} selects ${row.length} positions but row 0 selects ${k}; every row must select the same number (require_same_masks).`);
    for (let j = 0; j < k; j++) {
      const p = row[j];
      if (!(p >= 0 && p < length)) throw new Error(`row ${r} selects position ${p}, outside [0, ${length}).`);
      out[r * k + j] = r * length + p;
    }
  });
  return out;
}

/**
 * x [B, T, ...rest] → [R, K, ...rest]: output row r holds the rows of the [B·T] view
 * listed in `flatIndex` (R·K entries, from {@link flatRowIndices}), in that order.
 * `rows` R defaults to B (one output row per input row).
 */
export function gatherTokens(x: tf.Tensor, flatIndex: RowIndex, rows = x.shape[0]): tf.Tensor {
  return tf.tidy(() => {
    const [b, t, ...rest] = x.shape;
    const index = hostRowIndex(flatIndex);
    const k = index.length / rows;
    if (!Number.isInteger(k)) throw new Error(`gatherTokens: ${index.length} indices do not split evenly over ${rows} rows.`);
    checkRowIndex(index, b * t, 'gatherTokens');
    const inner = rest.reduce((p, q) => p * q, 1);
    return takeRows(x.reshape([b * t, inner]), index).reshape([rows, k, ...rest]);
  });
}

/** `repeat_interleave(times, dim=0)`: row b of x becomes rows b·times … b·times + times − 1. */
export function repeatInterleave(x: tf.Tensor, times: number): tf.Tensor {
  if (!Number.isInteger(times) || times < 1) throw new Error(`repeatInterleave needs a positive integer count, got ${times}.`);
  if (times === 1) return x;
  return tf.tidy(() => {
    const [b, ...rest] = x.shape;
    const idx = new Int32Array(b * times);
    for (let i = 0; i < idx.length; i++) idx[i] = Math.floor(i / times);
    const inner = rest.reduce((p, q) => p * q, 1);
    return takeRows(x.reshape([b, inner]), idx).reshape([b * times, ...rest]);
  });
}

/**
 * The decoder's un-shuffle: rows of `kept` [R, K, D] followed by `filler` [R, T − K, D]
 * put back in original order with `restoreIndex` (flat `ids_restore`, R·T entries
 * indexing the [R·T, D] view of `cat([kept, filler], 1)`). Returns [R, T, D].
 */
export function restoreTokens(kept: tf.Tensor, filler: tf.Tensor, restoreIndex: RowIndex): tf.Tensor {
  return tf.tidy(() => {
    const [r, k, d] = kept.shape;
    const t = k + (filler.shape[1] as number);
    const index = hostRowIndex(restoreIndex);
    if (index.length !== r * t) throw new Error(`restoreTokens: ${index.length} restore indices for ${r} rows of ${t} positions.`);
    checkRowIndex(index, r * t, 'restoreTokens');
    const all = tf.concat([kept, filler], 1).reshape([r * t, d]);
    return takeRows(all, index).reshape([r, t, d]);
  });
}
