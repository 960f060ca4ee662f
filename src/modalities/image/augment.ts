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

/**
 * Bilinear resize of a crop of an HWC image back to h×w (half-pixel centres, as
 * `align_corners=False`), mirrored left-right when `mirror` (the crop's `hflip`, made in
 * the same pass), into `out` (h·w·c values, e.g. a batch's slot) or a new array. Source
 * columns and weights are worked out once per column, not per pixel.
 */
export function cropResize(pixels: ArrayLike<number>, h: number, w: number, c: number, box: CropBox, mirror = false, out = new Float32Array(h * w * c)): Float32Array {
  const sy = box.height / h;
  const sx = box.width / w;
  // per output column: offsets of the two source columns within a row, and the weight of the right one
  const left = new Int32Array(w);
  const right = new Int32Array(w);
  const weight = new Float64Array(w);
  for (let x = 0; x < w; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), box.width - 1) + box.left;
    const x0 = Math.floor(fx);
    const at = mirror ? w - 1 - x : x;
    left[at] = x0 * c;
    right[at] = Math.min(x0 + 1, box.left + box.width - 1) * c;
    weight[at] = fx - x0;
  }
  const rowLength = w * c;
  let o = 0;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), box.height - 1) + box.top;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, box.top + box.height - 1);
    const dy = fy - y0;
    const ey = 1 - dy;
    const top = y0 * rowLength;
    const bottom = y1 * rowLength;
    for (let x = 0; x < w; x++) {
      const dx = weight[x];
      const ex = 1 - dx;
      const l = left[x];
      const r = right[x];
      for (let k = 0; k < c; k++) {
        out[o++] = (pixels[top + l + k] * ex + pixels[top + r + k] * dx) * ey + (pixels[bottom + l + k] * ex + pixels[bottom + r + k] * dx) * dy;
      }
    }
  }
  return out;
}

/** Mirror an HWC image left-right, into `out` (not `pixels` itself) or a new array. */
export function hflip(pixels: ArrayLike<number>, h: number, w: number, c: number, out = new Float32Array(h * w * c)): Float32Array {
  const rowLength = w * c;
  let o = 0;
  for (let y = 0; y < h; y++) {
    for (let from = y * rowLength + rowLength - c; from >= y * rowLength; from -= c) {
      for (let k = 0; k < c; k++) out[o++] = pixels[from + k];
    }
  }
  return out;
}

/** One augmented view of an HWC image (values unchanged in range), into `out` or a new array. */
export function augmentImage(pixels: ArrayLike<number>, h: number, w: number, c: number, config: AugmentConfig, rng: Rng, out = new Float32Array(h * w * c)): Float32Array {
  const box = config.cropScale ? randomResizedCropBox(h, w, config.cropScale, config.cropRatio, rng) : undefined;
  const flip = config.hflip > 0 && rng.next() < config.hflip;
  if (box) return cropResize(pixels, h, w, c, box, flip, out);
  if (flip) return hflip(pixels, h, w, c, out);
  out.set(pixels);
  return out;
}
