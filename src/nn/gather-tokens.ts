/**
 * Token gathers of data2vec 2.0 (spec §2.5, traps 10, 11, 26): `repeat_interleave`
 * of a batch into its clones, `gather_unmasked` (keep the visible tokens of each row,
 * in `ids_keep` order), and the decoder's un-shuffle (`torch.gather(cat([kept,
 * filler]), ids_restore)`). Every gather works on a [R·T, D] view with flat row
 * indices, so it is one `tf.gather`, whose gradient (a segment sum) exists on every
 * backend here; a one-hot matMul is the other way to write it and measured slower on
 * wasm (a batched matMul).
 */
import * as tf from '@tensorflow/tfjs';

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
export function gatherTokens(x: tf.Tensor, flatIndex: tf.Tensor1D, rows = x.shape[0]): tf.Tensor {
  return tf.tidy(() => {
    const [b, t, ...rest] = x.shape;
    const k = flatIndex.size / rows;
    if (!Number.isInteger(k)) throw new Error(`gatherTokens: ${flatIndex.size} indices do not split evenly over ${rows} rows.`);
    const inner = rest.reduce((p, q) => p * q, 1);
    return tf.gather(x.reshape([b * t, inner]), flatIndex).reshape([rows, k, ...rest]);
  });
}

/** `repeat_interleave(times, dim=0)`: row b of x becomes rows b·times … b·times + times − 1. */
export function repeatInterleave(x: tf.Tensor, times: number): tf.Tensor {
  if (!Number.isInteger(times) || times < 1) throw new Error(`repeatInterleave needs a positive integer count, got ${times}.`);
  if (times === 1) return x;
  return tf.tidy(() => {
    const b = x.shape[0];
    const idx = new Int32Array(b * times);
    for (let i = 0; i < idx.length; i++) idx[i] = Math.floor(i / times);
    return tf.gather(x, tf.tensor1d(idx, 'int32'));
  });
}

/**
 * The decoder's un-shuffle: rows of `kept` [R, K, D] followed by `filler` [R, T − K, D]
 * put back in original order with `restoreIndex` (flat `ids_restore`, R·T entries
 * indexing the [R·T, D] view of `cat([kept, filler], 1)`). Returns [R, T, D].
 */
export function restoreTokens(kept: tf.Tensor, filler: tf.Tensor, restoreIndex: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const [r, k, d] = kept.shape;
    const t = k + (filler.shape[1] as number);
    if (restoreIndex.size !== r * t) throw new Error(`restoreTokens: ${restoreIndex.size} restore indices for ${r} rows of ${t} positions.`);
    const all = tf.concat([kept, filler], 1).reshape([r * t, d]);
    return tf.gather(all, restoreIndex).reshape([r, t, d]);
  });
}
