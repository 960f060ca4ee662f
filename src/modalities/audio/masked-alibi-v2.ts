/**
 * The ALiBi bias of the data2vec 2.0 speech student (spec §1.2 "v2 audio also uses
 * ALiBi", §2.5 step 1, trap 9; fairseq `get_alibi_bias` × `alibi_scale.clamp_min(0)`,
 * then `repeat_interleave(clone_batch)` and `masked_alibi`): for each of the R = B·M
 * clone rows, the bias between its K kept frames, −|pᵢ − pⱼ|·slopeₕ·max(scaleₕ, 0),
 * where pᵢ are the kept frames' positions in the ORIGINAL sequence, so the distances
 * the blocks see are those of the full sequence, not of the shortened one.
 *
 * The values equal the full [H, T, T] bias of `AlibiBias.forward(T)` gathered at
 * rows and columns `ids_keep` of each clone row; they are computed from the distances
 * directly (R·K² numbers) instead of materialising R·H·T² and gathering twice.
 */
import * as tf from '@tensorflow/tfjs';
import { AlibiBias, alibiSlopes } from '../../nn/alibi';
import { hostRowIndex } from '../../nn/gather-tokens';
import { MaskInfo } from '../../data2vec/v2-mask-info';

/** Per clone row, the original positions of its kept frames, in `ids_keep` order: [R·K]. */
export function keptPositions(mask: MaskInfo): Int32Array {
  const keep = hostRowIndex(mask.keepIndex);
  const k = mask.lenKeep;
  const out = new Int32Array(keep.length);
  for (let i = 0; i < keep.length; i++) out[i] = keep[i] - Math.floor(i / k) * mask.length;
  return out;
}

/** Scaled per-head slopes, slopeₕ·max(scaleₕ, 0) (or the bare slopes without a learned scale): [1, H, 1, 1]. */
function scaledSlopes(alibi: AlibiBias): tf.Tensor {
  const h = alibi.heads;
  const slopes = tf.tensor4d(alibiSlopes(h), [1, h, 1, 1]);
  return alibi.scale ? tf.mul(slopes, tf.relu(alibi.scale).reshape([1, h, 1, 1])) : slopes;
}

/** The student's bias [R, H, K, K] for the kept frames of every clone row (see the file header). */
export function maskedAlibiBias(alibi: AlibiBias, mask: MaskInfo): tf.Tensor {
  return tf.tidy(() => {
    const { rows: r, lenKeep: k } = mask;
    const pos = keptPositions(mask);
    const dist = new Float32Array(r * k * k);
    for (let row = 0; row < r; row++) {
      const base = row * k;
      for (let i = 0; i < k; i++) {
        const pi = pos[base + i];
        const out = (base + i) * k;
        for (let j = 0; j < k; j++) dist[out + j] = -Math.abs(pi - pos[base + j]);
      }
    }
    return tf.mul(tf.tensor4d(dist, [r, 1, k, k]), scaledSlopes(alibi));
  });
}

