/**
 * Writes a corpus for `data2vec bench-data`: ImageNet-like JPEGs (about 500×375,
 * quality 90, smooth shapes plus sensor-like noise, 2 classes in train/<class>/),
 * 16 kHz speech-like FLAC files (when Debian's `flac` is installed; WAV otherwise)
 * in the LibriSpeech layout, and a text corpus (.jsonl) from the bundled WordNet
 * glosses. Usage: node dist/bench/make-data-corpus.js OUT_DIR [images=400]
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { writeWav16 } from '../src/data/wav';
import { Rng } from '../src/util/rng';
import { wordnetGlossesDir } from '../src/data/text-dataset';

async function naturalJpeg(rng: Rng, width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  const blobs = Array.from({ length: 6 }, () => ({ x: rng.uniform(0, width), y: rng.uniform(0, height), r: rng.uniform(30, 160), c: [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)] }));
  const base = [rng.int(40, 200), rng.int(40, 200), rng.int(40, 200)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        let v = base[k] + ((x + y) * (k + 1)) / 20;
        for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r ** 2) v = 0.5 * v + 0.5 * b.c[k];
        raw[o + k] = Math.max(0, Math.min(255, v + rng.normal() * 12));
      }
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'bench-data-corpus');
  const images = Number(process.argv[3] ?? 400);
  const rng = new Rng(0);
  for (let i = 0; i < images; i++) {
    const dir = path.join(out, 'train', `class${i % 2}`);
    fs.mkdirSync(dir, { recursive: true });
    const [w, h] = rng.next() < 0.75 ? [500, 375] : [375, 500];
    fs.writeFileSync(path.join(dir, `img${String(i).padStart(5, '0')}.jpg`), await naturalJpeg(rng, w, h));
  }
  let hasFlac = true;
  try {
    execFileSync('flac', ['--version']);
  } catch {
    hasFlac = false;
  }
  for (let i = 0; i < 20; i++) {
    const dir = path.join(out, 'speech', String(100 + (i % 4)), '1');
    fs.mkdirSync(dir, { recursive: true });
    const n = 16000 * (4 + (i % 8));
    const samples = Float32Array.from({ length: n }, (_, t) => 0.3 * Math.sin(t * (0.02 + 0.001 * i)) * Math.sin(t / 1600) + 0.02 * rng.normal());
    const wav = path.join(dir, `${100 + (i % 4)}-1-${String(i).padStart(4, '0')}.wav`);
    writeWav16(wav, samples);
    if (hasFlac) {
      execFileSync('flac', ['--silent', '--force', '-o', wav.replace(/\.wav$/, '.flac'), wav]);
      fs.rmSync(wav);
    }
  }
  fs.mkdirSync(path.join(out, 'text'), { recursive: true });
  const glosses = fs.readFileSync(path.join(wordnetGlossesDir(), 'train.jsonl'), 'utf8');
  fs.writeFileSync(path.join(out, 'text', 'glosses.jsonl'), glosses.repeat(Math.max(1, Math.ceil(4e6 / glosses.length))));
  process.stderr.write(`wrote ${images} JPEGs, 20 ${hasFlac ? 'FLAC' : 'WAV'} files and ${(fs.statSync(path.join(out, 'text', 'glosses.jsonl')).size / 1e6).toFixed(1)} MB of text under ${out}\n`);
}

void main();
