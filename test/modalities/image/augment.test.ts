/**
 * Image augmentation and normalisation on the host (spec §2.4; src/modalities/image/
 * augment.ts, image-batch.ts): the per-column tables, the flip made inside the crop, the
 * batch slots written in place and the unrolled three-channel normalisation give exactly
 * the float32 values of the direct per-pixel formulas (kept here as the reference).
 */
import { expect } from 'chai';
import { AugmentConfig, CropBox, augmentImage, cropResize, hflip, randomResizedCropBox } from '../../../src/modalities/image/augment';
import { imageBatch, normalizePixels } from '../../../src/modalities/image/image-batch';
import { ImageDataset } from '../../../src/data/image-dataset';
import { Rng } from '../../../src/util/rng';

/** The direct formula: bilinear with half-pixel centres, every index worked out per pixel. */
function referenceCropResize(pixels: ArrayLike<number>, h: number, w: number, c: number, box: CropBox): Float32Array {
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

function referenceFlip(pixels: ArrayLike<number>, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = pixels[(y * w + (w - 1 - x)) * c + k];
  return out;
}

function referenceNormalize(pixels: ArrayLike<number>, c: number, mean: number[], std: number[]): Float32Array {
  return Float32Array.from(pixels, (v, i) => (v / 255 - mean[i % c]) / std[i % c]);
}

const randomImage = (rng: Rng, n: number) => Uint8Array.from({ length: n }, () => rng.int(0, 256));
const same = (a: Float32Array, b: Float32Array) => expect(Array.from(a)).to.deep.equal(Array.from(b));

describe('image augmentation on the host (spec §2.4)', () => {
  it('cropResize, with and without the mirror, equals the per-pixel formula (and its flip) exactly', () => {
    const rng = new Rng(3);
    for (const [h, w, c] of [[7, 5, 1], [13, 9, 3], [28, 28, 1], [16, 24, 4]]) {
      const pixels = randomImage(rng, h * w * c);
      const boxes: CropBox[] = [{ top: 0, left: 0, height: h, width: w }, { top: h - 1, left: w - 1, height: 1, width: 1 }];
      for (let i = 0; i < 20; i++) boxes.push(randomResizedCropBox(h, w, [0.08, 1], [3 / 4, 4 / 3], rng));
      for (const box of boxes) {
        const plain = referenceCropResize(pixels, h, w, c, box);
        same(cropResize(pixels, h, w, c, box), plain);
        same(cropResize(pixels, h, w, c, box, true), referenceFlip(plain, h, w, c));
      }
      // the whole image as the crop is the identity
      same(cropResize(pixels, h, w, c, boxes[0]), Float32Array.from(pixels));
    }
  });

  it('hflip equals the per-pixel mirror and writes into the given array', () => {
    const rng = new Rng(4);
    const pixels = randomImage(rng, 5 * 7 * 3);
    const out = new Float32Array(5 * 7 * 3);
    expect(hflip(pixels, 5, 7, 3, out)).to.equal(out);
    same(out, referenceFlip(pixels, 5, 7, 3));
    same(hflip(hflip(pixels, 5, 7, 3), 5, 7, 3), Float32Array.from(pixels));
  });

  it('augmentImage draws the crop then the flip from the rng, as before, into the given slot', () => {
    const config: AugmentConfig = { hflip: 0.5, cropScale: [0.08, 1], cropRatio: [3 / 4, 4 / 3] };
    const pixels = randomImage(new Rng(5), 12 * 10 * 3);
    let flips = 0;
    for (let seed = 0; seed < 12; seed++) {
      const rng = new Rng(seed);
      const slot = new Float32Array(12 * 10 * 3);
      expect(augmentImage(pixels, 12, 10, 3, config, rng, slot)).to.equal(slot);
      const ref = new Rng(seed);
      const box = randomResizedCropBox(12, 10, config.cropScale as [number, number], config.cropRatio, ref);
      const flip = ref.next() < config.hflip;
      flips += flip ? 1 : 0;
      const crop = referenceCropResize(pixels, 12, 10, 3, box);
      same(slot, flip ? referenceFlip(crop, 12, 10, 3) : crop);
      expect(rng.next()).to.equal(ref.next());
    }
    expect(flips).to.be.within(1, 11); // both branches were checked
    // without a crop: the flipped or plain copy
    const noCrop: AugmentConfig = { hflip: 1, cropScale: null, cropRatio: [3 / 4, 4 / 3] };
    same(augmentImage(pixels, 12, 10, 3, noCrop, new Rng(0)), referenceFlip(pixels, 12, 10, 3));
    same(augmentImage(pixels, 12, 10, 3, { ...noCrop, hflip: 0 }, new Rng(0)), Float32Array.from(pixels));
  });

  it('normalizePixels equals the per-element formula for 1–4 channels, a partial last pixel, and in place', () => {
    const rng = new Rng(6);
    for (const c of [1, 2, 3, 4]) {
      const mean = [0.485, 0.456, 0.406, 0.5].slice(0, c);
      const std = [0.229, 0.224, 0.225, 0.25].slice(0, c);
      for (const n of [c * 17, c * 17 + (c > 1 ? 1 : 0)]) {
        const pixels = Float32Array.from(randomImage(rng, n), (v) => v + 0.25);
        const out = new Float32Array(n + 3);
        normalizePixels(pixels, c, { mean, std }, out, 3);
        same(out.subarray(3), referenceNormalize(pixels, c, mean, std));
        normalizePixels(pixels, c, { mean, std }, pixels);
        same(pixels, out.subarray(3));
      }
    }
  });

  it('an augmented imageBatch equals per-image reference crops, flips and normalisation', async () => {
    const h = 14;
    const w = 10;
    const c = 3;
    const n = 6;
    const ds: ImageDataset = { name: 'rgb', images: randomImage(new Rng(7), n * h * w * c), labels: new Int32Array(n), n, height: h, width: w, channels: c, classNames: ['x'] };
    const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const config: AugmentConfig = { hflip: 0.5, cropScale: [0.2, 1], cropRatio: [3 / 4, 4 / 3] };
    const indices = [4, 0, 5, 2];
    const batch = imageBatch(ds, indices, norm, config, new Rng(8));
    const got = (await batch.data()) as Float32Array;
    batch.dispose();
    const ref = new Rng(8);
    const size = h * w * c;
    indices.forEach((idx, b) => {
      const src = ds.images.subarray(idx * size, (idx + 1) * size);
      const box = randomResizedCropBox(h, w, [0.2, 1], config.cropRatio, ref);
      const crop = referenceCropResize(src, h, w, c, box);
      const view = ref.next() < config.hflip ? referenceFlip(crop, h, w, c) : crop;
      same(got.subarray(b * size, (b + 1) * size), referenceNormalize(view, c, norm.mean, norm.std));
    });
  });
});
