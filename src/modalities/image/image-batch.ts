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

/** Throws one sentence unless `norm` has one mean and one positive std per channel. */
export function checkNormalization(norm: Normalization, channels: number): void {
  const { mean, std } = norm;
  if (mean.length !== channels || std.length !== channels) {
    throw new Error(`normalize has ${mean.length} mean and ${std.length} std values but the images have ${channels} channel${channels === 1 ? '' : 's'}; give one of each per channel, e.g. --set normalize='{"mean":[${Array(channels).fill(0.5).join(',')}],"std":[${Array(channels).fill(0.25).join(',')}]}'.`);
  }
  const bad = std.findIndex((v) => !(v > 0));
  if (bad >= 0) throw new Error(`normalize.std[${bad}] is ${std[bad]}; every std must be a positive number.`);
}

/** `out[offset + i] = (pixels[i]/255 − mean[i mod c]) / std[i mod c]` for interleaved (…, C) pixels (`out` may be `pixels`: in place). */
export function normalizePixels(pixels: ArrayLike<number>, channels: number, norm: Normalization, out: Float32Array, offset = 0): void {
  checkNormalization(norm, channels);
  const n = pixels.length;
  if (channels === 3) {
    const [m0, m1, m2] = norm.mean;
    const [s0, s1, s2] = norm.std;
    let i = 0;
    for (; i + 2 < n; i += 3) {
      out[offset + i] = (pixels[i] / 255 - m0) / s0;
      out[offset + i + 1] = (pixels[i + 1] / 255 - m1) / s1;
      out[offset + i + 2] = (pixels[i + 2] / 255 - m2) / s2;
    }
    for (; i < n; i++) out[offset + i] = (pixels[i] / 255 - norm.mean[i % 3]) / norm.std[i % 3];
    return;
  }
  for (let i = 0; i < n; ) {
    for (let k = 0; k < channels && i < n; k++, i++) out[offset + i] = (pixels[i] / 255 - norm.mean[k]) / norm.std[k];
  }
}

/** Images `indices` of `ds` as [B, H, W, C], (pixel/255 − mean)/std, optionally augmented with `rng`. */
export function imageBatch(ds: ImageDataset, indices: readonly number[], norm: Normalization, augment?: AugmentConfig, rng?: Rng): tf.Tensor4D {
  const { height: h, width: w, channels: c } = ds;
  const size = h * w * c;
  const out = new Float32Array(indices.length * size);
  indices.forEach((idx, b) => {
    const src = ds.images.subarray(idx * size, (idx + 1) * size);
    if (augment && rng) {
      // augmented straight into the batch's slot, then normalised in place
      const slot = out.subarray(b * size, (b + 1) * size);
      normalizePixels(augmentImage(src, h, w, c, augment, rng, slot), c, norm, slot);
    } else {
      normalizePixels(src, c, norm, out, b * size);
    }
  });
  return tf.tensor4d(out, [indices.length, h, w, c]);
}

