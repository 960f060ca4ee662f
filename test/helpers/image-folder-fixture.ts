/** Generated image folders for the reader tests: small JPEG/PNG/WebP files of several sizes, grey and colour, plus bad files. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';

/** Encoded image of `width×height` whose pixel (x, y) is (x mod 256, y mod 256, base) — or that grey level for 1 channel. */
export async function patternImage(width: number, height: number, format: 'jpeg' | 'png' | 'webp', channels: 1 | 3 = 3, base = 100): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (channels === 1) raw[o] = (x + y + base) % 256;
      else [raw[o], raw[o + 1], raw[o + 2]] = [x % 256, y % 256, base];
    }
  }
  const img = sharp(raw, { raw: { width, height, channels } });
  return format === 'jpeg' ? img.jpeg({ quality: 90 }).toBuffer() : format === 'png' ? img.png().toBuffer() : img.webp({ lossless: true }).toBuffer();
}

/**
 * `root/train/{cat,dog}/` with `perClass` images each (formats and sizes
 * vary, every third one grey) and `root/val/{cat,dog}/` with 2 each; `bad`
 * adds, under train/cat: a zero-byte .jpg, a notes.txt and a truncated .jpg.
 */
export async function makeImageFolder(perClass: number, options: { bad?: boolean; root?: string } = {}): Promise<string> {
  const root = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-images-'));
  const formats = ['jpeg', 'png', 'webp'] as const;
  for (const [split, count] of [['train', perClass], ['val', 2]] as const) {
    for (const [c, cls] of ['cat', 'dog'].entries()) {
      const dir = path.join(root, split, cls);
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 0; i < count; i++) {
        const format = formats[i % 3];
        const bytes = await patternImage(60 + 7 * i, 40 + 5 * i, format, i % 3 === 2 ? 1 : 3, 60 + 120 * c);
        fs.writeFileSync(path.join(dir, `${cls}_${String(i).padStart(3, '0')}.${format === 'jpeg' ? 'jpg' : format}`), bytes);
      }
    }
  }
  if (options.bad) {
    const dir = path.join(root, 'train', 'cat');
    fs.writeFileSync(path.join(dir, 'empty.jpg'), Buffer.alloc(0));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    const jpg = await patternImage(200, 150, 'jpeg');
    fs.writeFileSync(path.join(dir, 'truncated.jpg'), jpg.subarray(0, Math.floor(jpg.length / 3)));
  }
  return root;
}
