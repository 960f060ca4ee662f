/**
 * Speech files the tests write themselves: tones quantised to 16 bits, as WAV
 * (`writeWav16`) or FLAC (through the reference `flac` encoder, installed by
 * `.ci/run`), and `.tar` shards of FLAC members in the WebDataset convention.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tar from 'tar-stream';
import { writeWav16 } from '../../src/data/wav';

/** A tone of `n` samples at `rate`, quantised to 16 bits. */
export function tone(n: number, freq: number, rate = 16000): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * freq * i) / rate)) / 32768);
}

/** Write `samples` as FLAC at `file` (via a WAV and the `flac` encoder); keeps the WAV when `keepWav`. Returns the WAV's path. */
export function writeFlac(file: string, samples: Float32Array, rate = 16000, keepWav = false): string {
  const wav = file.replace(/\.flac$/, '.src.wav');
  writeWav16(wav, samples, rate);
  execFileSync('flac', ['--silent', '--force', '-o', file, wav]);
  if (!keepWav) fs.rmSync(wav);
  return wav;
}

/** Write a `.tar` shard whose samples are `<key>.flac` (bytes given) and, when set, `<key>.cls`. */
export async function writeAudioShard(file: string, samples: { key: string; flac: Uint8Array; cls?: number }[]): Promise<void> {
  const pack = tar.pack();
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
  pack.pipe(out);
  for (const s of samples) {
    pack.entry({ name: `${s.key}.flac` }, Buffer.from(s.flac));
    if (s.cls !== undefined) pack.entry({ name: `${s.key}.cls` }, `${s.cls}\n`);
  }
  pack.finalize();
  await done;
}

/** FLAC bytes of a tone of `n` samples (written through a temporary file in `dir`). */
export function flacBytes(dir: string, n: number, freq: number, rate = 16000): Uint8Array {
  const file = path.join(dir, `tmp-${n}-${freq}-${rate}.flac`);
  writeFlac(file, tone(n, freq, rate), rate);
  const bytes = new Uint8Array(fs.readFileSync(file));
  fs.rmSync(file);
  return bytes;
}
