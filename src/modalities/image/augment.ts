/**
 * Image augmentation for pretraining (spec §2.4: data2vec_vision uses a random
 * resized crop and a horizontal flip, the same view for teacher and student,
 * trap 23; colour jitter is skipped for grayscale data). Done in plain JS on the
 * raw pixels so it is identical on every backend.
 */
import { Rng } from '../../util/rng';
import type { ColourJitter } from './colour-jitter';

export interface AugmentConfig {
  /** Probability of a horizontal flip (0.5 in the reference). */
  hflip: number;
  /** Random-resized-crop area range as a fraction of the image ((0.08, 1) in v1, (0.2, 1) in v2); null disables. */
  cropScale: [number, number] | null;
  /** Aspect ratio range of the crop ((3/4, 4/3)). */
  cropRatio: [number, number];
  /** v1's colour jitter (0.4, 0.4, 0.4), applied to colour images read from folders (`image-transform.ts`). */
  colourJitter?: ColourJitter;
}

export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** torchvision `RandomResizedCrop.get_params`: 10 attempts, then a centre crop of the clamped ratio. */
export function randomResizedCropBox(h: number, w: number, scale: [number, number], ratio: [number, number], rng: Rng): CropBox {
  const area = h * w;
  const [lr0, lr1] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const ar = Math.exp(rng.uniform(lr0, lr1));
    const cw = Math.round(Math.sqrt(target * ar));
    const ch = Math.round(Math.sqrt(target / ar));
    if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
      return { top: rng.int(0, h - ch + 1), left: rng.int(0, w - cw + 1), height: ch, width: cw };
    }
  }
  const inRatio = w / h;
  let cw = w;
  let ch = h;
  if (inRatio < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) cw = Math.round(h * ratio[1]);
  return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), height: ch, width: cw };
}

/** Bilinear resize of a crop of an HWC image back to h×w (half-pixel centres, as `align_corners=False`). */
export function cropResize(pixels: ArrayLike<number>, h: number, w: number, c: number, box: CropBox): Float32Array {
  const out = new Float32Array(h * w * c);
  const sy = box.height / h;
  const sx = box.width / w;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), box.height - 1) + box.top;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, box.top + box.height - 1);
    const dy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), box.width - 1) + box.left;
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, box.left + box.width - 1);
      const dx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = pixels[(y0 * w + x0) * c + k];
        const b = pixels[(y0 * w + x1) * c + k];
        const d = pixels[(y1 * w + x0) * c + k];
        const e = pixels[(y1 * w + x1) * c + k];
        out[(y * w + x) * c + k] = (a * (1 - dx) + b * dx) * (1 - dy) + (d * (1 - dx) + e * dx) * dy;
      }
    }
  }
  return out;
}

/** Mirror an HWC image left-right. */
export function hflip(pixels: ArrayLike<number>, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = pixels[(y * w + (w - 1 - x)) * c + k];
  return out;
}

/** One augmented view of an HWC image (values unchanged in range). */
export function augmentImage(pixels: ArrayLike<number>, h: number, w: number, c: number, config: AugmentConfig, rng: Rng): Float32Array {
  let img: Float32Array = config.cropScale ? cropResize(pixels, h, w, c, randomResizedCropBox(h, w, config.cropScale, config.cropRatio, rng)) : Float32Array.from(pixels);
  if (config.hflip > 0 && rng.next() < config.hflip) img = hflip(img, h, w, c);
  return img;
}
