/**
 * Decode one image file and make the papers' 224² view of it with sharp
 * (libvips): spec §2.4. Pretraining: random-resized-crop (area scale 0.08–1 for
 * v1, 0.2–1 for v2, aspect 3/4–4/3, torchvision's 10-attempt rule, reused from
 * `augment.ts`), bicubic resize to the output size, horizontal flip with p 0.5,
 * and for v1 colour jitter 0.4. Evaluation (the probe): resize the shorter side
 * to 256 (bicubic) and take the centre 224² crop. Grey, alpha and CMYK inputs
 * come out as 3-channel sRGB (or 1 channel when asked). Pixels stay bytes; the
 * batch builder normalises with the ImageNet mean/std.
 */
import sharp from 'sharp';
import { Rng } from '../../util/rng';
import { CropBox, randomResizedCropBox } from './augment';
import { ColourJitter, colourJitterInPlace } from './colour-jitter';

/** ImageNet mean and std of pixel/255 (timm `IMAGENET_DEFAULT_MEAN/STD`). */
export const IMAGENET_NORMALIZATION = Object.freeze({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });

/** How one image becomes a training or evaluation view. */
export interface ImageTransform {
  /** `'train'`: random-resized-crop + flip (+ jitter); `'eval'`: resize + centre crop. */
  mode: 'train' | 'eval';
  /** Output side in pixels (224 in the papers). */
  size: number;
  /** Output channels: 3 (RGB) or 1 (grey). */
  channels: 1 | 3;
  /** Random-resized-crop area range ([0.08, 1] v1, [0.2, 1] v2). */
  cropScale: [number, number];
  /** Crop aspect range ([3/4, 4/3]). */
  cropRatio: [number, number];
  /** Probability of a horizontal flip (0.5). */
  hflip: number;
  /** v1's colour jitter (0.4, 0.4, 0.4); absent for v2 and for grey output. */
  colourJitter?: ColourJitter;
  /** Shorter side before the centre crop in eval mode (256 for 224). */
  evalResize: number;
}

/** The v1 pretraining view of data2vec_vision (`DataAugmentationForBEiT`). */
export const V1_TRAIN_TRANSFORM: ImageTransform = Object.freeze({
  mode: 'train', size: 224, channels: 3, cropScale: [0.08, 1], cropRatio: [3 / 4, 4 / 3], hflip: 0.5,
  colourJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4 }, evalResize: 256,
}) as ImageTransform;

/** The v2 pretraining view (`MaeImageDataset`: RRC scale 0.2–1, flip, no jitter). */
export const V2_TRAIN_TRANSFORM: ImageTransform = Object.freeze({
  mode: 'train', size: 224, channels: 3, cropScale: [0.2, 1], cropRatio: [3 / 4, 4 / 3], hflip: 0.5, evalResize: 256,
}) as ImageTransform;

/** The probe's view: resize 256, centre crop 224. */
export const EVAL_TRANSFORM: ImageTransform = Object.freeze({ ...V2_TRAIN_TRANSFORM, mode: 'eval' }) as ImageTransform;

/** A decoded view: `size·size·channels` bytes, HWC. */
export interface ImageView {
  pixels: Uint8Array;
  size: number;
  channels: number;
  /** The crop taken from the source image, and whether it was flipped (for figures and tests). */
  box: CropBox;
  flipped: boolean;
  sourceWidth: number;
  sourceHeight: number;
}

/** Error for an image that could not be decoded; `kind` feeds the skip summary. */
export class ImageDecodeError extends Error {
  constructor(readonly file: string, readonly kind: string, message: string) {
    super(message);
  }
}

/** Centre box of the eval transform in source pixels: the region that maps onto the centre `size²` after the shorter side becomes `resize`. */
export function centreCropBox(height: number, width: number, resize: number, size: number): CropBox {
  const scale = resize / Math.min(height, width);
  const ch = Math.min(height, Math.round(size / scale));
  const cw = Math.min(width, Math.round(size / scale));
  return { top: Math.floor((height - ch) / 2), left: Math.floor((width - cw) / 2), height: ch, width: cw };
}

/**
 * Decode `input` (file path or encoded bytes) and return its view under
 * `transform`; `rng` draws the crop, flip and jitter (unused in eval mode).
 * Throws `ImageDecodeError` naming `file` for unreadable, corrupt or truncated images.
 */
export async function transformImage(input: string | Uint8Array, transform: ImageTransform, rng: Rng, file = typeof input === 'string' ? input : '<bytes>'): Promise<ImageView> {
  const src = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let width: number;
  let height: number;
  try {
    const meta = await sharp(src, { failOn: 'truncated' }).metadata();
    if (!meta.width || !meta.height) throw new Error('no image size in the header');
    ({ width, height } = meta);
  } catch (e) {
    throw new ImageDecodeError(file, 'not a readable image', `${file} is not a readable image (${(e as Error).message.split('\n')[0]}); re-download it or remove it.`);
  }
  const box = transform.mode === 'train' ? randomResizedCropBox(height, width, transform.cropScale, transform.cropRatio, rng) : centreCropBox(height, width, transform.evalResize, transform.size);
  const flipped = transform.mode === 'train' && transform.hflip > 0 && rng.next() < transform.hflip;
  let pipeline = sharp(src, { failOn: 'truncated' })
    .extract(box)
    .resize(transform.size, transform.size, { fit: 'fill', kernel: 'cubic' });
  if (flipped) pipeline = pipeline.flop();
  pipeline = transform.channels === 3 ? pipeline.removeAlpha().toColourspace('srgb') : pipeline.removeAlpha().toColourspace('b-w');
  let data: Buffer;
  let channels: number;
  try {
    const out = await pipeline.raw().toBuffer({ resolveWithObject: true });
    data = out.data;
    channels = out.info.channels;
  } catch (e) {
    throw new ImageDecodeError(file, 'corrupt or truncated image', `${file} is corrupt or truncated (${(e as Error).message.split('\n')[0]}); re-download it or remove it.`);
  }
  if (channels !== transform.channels) {
    throw new ImageDecodeError(file, 'unsupported colour layout', `${file} decodes to ${channels} channels, not ${transform.channels}; convert it to RGB.`);
  }
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (transform.mode === 'train' && transform.colourJitter && channels === 3) colourJitterInPlace(pixels, transform.colourJitter, rng);
  return { pixels, size: transform.size, channels, box, flipped, sourceWidth: width, sourceHeight: height };
}
