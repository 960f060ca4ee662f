/**
 * Frozen features for probing (issue "linear probe and kNN on frozen, mean-pooled
 * features"): run an encoder in eval mode over a split in batches and average its
 * final token representations (padding excluded when a mask is given).
 */
import * as tf from '@tensorflow/tfjs';
import { LabelledFeatures } from './features';

/**
 * @param encode returns [B, T, D] token outputs (and optionally a [B, T] padding mask, 1 = pad) for the given sample indices
 */
export async function meanPooledFeatures(
  n: number,
  labels: Int32Array,
  batchSize: number,
  encode: (indices: number[]) => tf.Tensor | { out: tf.Tensor; padMask?: tf.Tensor },
  onProgress?: (done: number, total: number) => void,
): Promise<LabelledFeatures> {
  let x: Float32Array | undefined;
  let dim = 0;
  for (let start = 0; start < n; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const pooled = tf.tidy(() => {
      const r = encode(idx);
      const { out, padMask } = r instanceof tf.Tensor ? { out: r, padMask: undefined } : r;
      if (!padMask) return tf.mean(out, 1);
      const w = tf.sub(1, padMask).expandDims(-1);
      return tf.div(tf.sum(tf.mul(out, w), 1), tf.maximum(tf.sum(w, 1), 1));
    });
    if (!x) {
      dim = pooled.shape[1] as number;
      x = new Float32Array(n * dim);
    }
    x.set(await pooled.data(), start * dim);
    pooled.dispose();
    onProgress?.(Math.min(start + batchSize, n), n);
  }
  return { x: x ?? new Float32Array(0), y: labels, n, dim };
}
