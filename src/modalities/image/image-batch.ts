/**
 * Turns data-set images into a normalised NHWC float tensor (spec §2.4:
 * per-channel mean/std normalisation after augmentation).
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/image-dataset';
import { Rng } from '../../util/rng';
import { AugmentConfig, augmentImage } from './augment';

export interface Normalization {
  /** Per-channel mean of pixel/255. */
  mean: number[];
  /** Per-channel std of pixel/255. */
  std: number[];
}

/** Images `indices` of `ds` as [B, H, W, C], (pixel/255 − mean)/std, optionally augmented with `rng`. */
export function imageBatch(ds: ImageDataset, indices: readonly number[], norm: Normalization, augment?: AugmentConfig, rng?: Rng): tf.Tensor4D {
  const { height: h, width: w, channels: c } = ds;
  const size = h * w * c;
  const out = new Float32Array(indices.length * size);
  indices.forEach((idx, b) => {
    const src = ds.images.subarray(idx * size, (idx + 1) * size);
    const img = augment && rng ? augmentImage(src, h, w, c, augment, rng) : src;
    for (let i = 0; i < size; i++) {
      const k = i % c;
      out[b * size + i] = (img[i] / 255 - norm.mean[k]) / norm.std[k];
    }
  });
  return tf.tensor4d(out, [indices.length, h, w, c]);
}

