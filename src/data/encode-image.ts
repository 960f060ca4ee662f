/**
 * Encode raw pixels as PNG, JPEG or WebP bytes with sharp (libvips): for writing
 * generated image folders (tests, benchmarks, notebooks) and for showing views
 * (`tslab.display.png`). HWC bytes, 1 or 3 channels.
 */
import sharp from 'sharp';

/** Encoded bytes of a `width×height×channels` HWC byte image. */
export function encodeImage(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, format: 'png' | 'jpeg' | 'webp' = 'png', quality = 90): Promise<Buffer> {
  if (pixels.length !== width * height * channels) throw new Error(`encodeImage: ${pixels.length} bytes is not ${width}×${height}×${channels}.`);
  const img = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  return format === 'png' ? img.png().toBuffer() : format === 'jpeg' ? img.jpeg({ quality }).toBuffer() : img.webp({ quality }).toBuffer();
}
