/**
 * Colour jitter of data2vec 1.0's image augmentation (spec §2.4:
 * `ColorJitter(0.4, 0.4, 0.4)` in data2vec_vision's `DataAugmentationForBEiT`,
 * hue 0). As torchvision: brightness, contrast and saturation factors are each
 * drawn from U[1 − s, 1 + s] and applied in a random order; contrast blends with
 * the mean grey level of the image, saturation with each pixel's grey level
 * (ITU-R 601-2 luma, as PIL's `convert('L')`); PIL's `ImageEnhance`, which
 * data2vec_vision runs, rounds to bytes after each step, and so does this.
 */
import { Rng } from '../../util/rng';

/** Jitter strengths; 0 leaves that property alone. */
export interface ColourJitter {
  brightness: number;
  contrast: number;
  saturation: number;
}

/** ITU-R 601-2 luma of one pixel, as PIL's `convert('L')` (rounded to a byte). */
const luma = (r: number, g: number, b: number): number => Math.round((r * 299 + g * 587 + b * 114) / 1000);

/** Byte lookup table of `v ↦ clamp(round(f·v + (1 − f)·grey))`, PIL's `Image.blend(degenerate, image, f)` for a constant degenerate. */
function blendTable(f: number, grey: number): Uint8Array {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) table[v] = Math.min(255, Math.max(0, Math.round(f * v + (1 - f) * grey)));
  return table;
}

/** The factors and order drawn for one image (exposed for tests and figures). */
export function drawColourJitter(jitter: ColourJitter, rng: Rng): { order: ('brightness' | 'contrast' | 'saturation')[]; factors: Record<'brightness' | 'contrast' | 'saturation', number> } {
  const names = ['brightness', 'contrast', 'saturation'] as const;
  const order = rng.permutation(3).map((i) => names[i]);
  const factors = { brightness: 1, contrast: 1, saturation: 1 };
  for (const n of names) if (jitter[n] > 0) factors[n] = rng.uniform(Math.max(0, 1 - jitter[n]), 1 + jitter[n]);
  return { order, factors };
}

/**
 * Apply colour jitter to `rgb` (HWC bytes, 3 channels) in place, rounding to
 * bytes after each operation as PIL's `ImageEnhance` does; returns the factors used.
 */
export function colourJitterInPlace(rgb: Uint8Array, jitter: ColourJitter, rng: Rng): ReturnType<typeof drawColourJitter> {
  const drawn = drawColourJitter(jitter, rng);
  const n = rgb.length / 3;
  for (const op of drawn.order) {
    const f = drawn.factors[op];
    if (f === 1) continue;
    if (op === 'brightness' || op === 'contrast') {
      let grey = 0;
      if (op === 'contrast') {
        let sum = 0;
        for (let p = 0; p < n; p++) sum += luma(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
        grey = Math.round(sum / n);
      }
      const table = blendTable(f, grey);
      for (let i = 0; i < rgb.length; i++) rgb[i] = table[rgb[i]];
    } else {
      for (let i = 0; i < rgb.length; i += 3) {
        const grey = (1 - f) * luma(rgb[i], rgb[i + 1], rgb[i + 2]);
        for (let k = i; k < i + 3; k++) {
          const v = Math.round(f * rgb[k] + grey);
          rgb[k] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  }
  return drawn;
}
