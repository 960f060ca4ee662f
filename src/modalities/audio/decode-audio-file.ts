/** Decode one speech file, FLAC or WAV by its extension, to 16 kHz mono samples (spec §1.2); errors are `WavError`s naming the file. */
import * as fs from 'fs';
import { decodeFlac } from '../../data/flac';
import { WavError, decodeWav } from '../../data/wav';

/** Samples of the FLAC or WAV bytes of `name` (a file, or a shard member `shard:key.flac`) at 16 kHz; other rates are refused unless `resample`. */
export function decodeAudioBytes(bytes: Uint8Array, name: string, resample: boolean): Promise<Float32Array> {
  if (/\.flac$/i.test(name)) return decodeFlac(bytes, name, { resample });
  return Promise.resolve(decodeWav(bytes, name, { otherRate: resample ? 'resample' : 'reject', minSamples: 1 }).samples);
}

/** Samples of `file` at 16 kHz; other rates are refused unless `resample`. */
export async function decodeAudioFile(file: string, resample: boolean): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new WavError(file, 'unreadable', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that it exists and is readable.`);
  }
  return decodeAudioBytes(bytes, file, resample);
}
