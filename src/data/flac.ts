/**
 * FLAC speech files (LibriSpeech's format; spec §1.2: 16 kHz mono input).
 * `readFlacInfo` parses the STREAMINFO block (rate, channels, bit depth,
 * total samples) without decoding, so a corpus can be listed and batched by
 * length cheaply; `decodeFlac` decodes with libFLAC compiled to WebAssembly
 * (`@wasm-audio-decoders/flac`), averages channels to mono, and refuses a
 * file that is truncated, has frame errors or is at another rate unless
 * resampling is asked for. Samples are scaled as the WAV reader scales them
 * (integer / 2^(bits−1)). Errors are `WavError`s, so the skip summaries of
 * WAV and FLAC corpora read the same.
 */
import * as fs from 'fs';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { MODEL_SAMPLE_RATE, WavError, resampleAudio } from './wav';

/** What the STREAMINFO block says about a FLAC stream. */
export interface FlacInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Samples per channel (0 when the encoder did not know). */
  totalSamples: number;
}

/** Parse the STREAMINFO block at the start of FLAC bytes (at least the first 42). */
export function parseFlacInfo(bytes: Uint8Array, file: string): FlacInfo {
  if (bytes.length === 0) throw new WavError(file, 'empty', `${file} is empty (0 bytes); re-download it or remove it.`);
  if (bytes.length < 4 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'fLaC') {
    throw new WavError(file, 'not-wav', `${file} is not a FLAC file (it does not start with "fLaC"); convert it to FLAC or WAV.`);
  }
  if (bytes.length < 42 || (bytes[4] & 0x7f) !== 0) {
    throw new WavError(file, 'truncated', `${file} is truncated or corrupt: it has no complete STREAMINFO block; re-download it.`);
  }
  const b = bytes.subarray(8, 42);
  const sampleRate = (b[10] << 12) | (b[11] << 4) | (b[12] >> 4);
  const channels = ((b[12] >> 1) & 0x7) + 1;
  const bitsPerSample = (((b[12] & 1) << 4) | (b[13] >> 4)) + 1;
  const totalSamples = (b[13] & 0xf) * 2 ** 32 + ((b[14] << 24) >>> 0) + (b[15] << 16) + (b[16] << 8) + b[17];
  return { sampleRate, channels, bitsPerSample, totalSamples };
}

/** Read only the STREAMINFO of a FLAC file (the first 42 bytes). */
export function readFlacInfo(file: string): FlacInfo {
  const head = Buffer.alloc(42);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new WavError(file, 'unreadable', `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that it exists and is readable.`);
  }
  try {
    const n = fs.readSync(fd, head, 0, 42, 0);
    return parseFlacInfo(head.subarray(0, n), file);
  } finally {
    fs.closeSync(fd);
  }
}

let decoder: FLACDecoder | undefined;
/** The decoder is stateful: calls on one thread run one after another. */
let queue: Promise<unknown> = Promise.resolve();

async function decodeWhole(bytes: Uint8Array): Promise<Awaited<ReturnType<FLACDecoder['decodeFile']>>> {
  decoder ??= new FLACDecoder();
  await decoder.ready;
  await decoder.reset();
  return decoder.decodeFile(bytes);
}

/** Options of `decodeFlac`. */
export interface FlacDecodeOptions {
  /** Resample files at another rate to 16 kHz instead of refusing them. Default false. */
  resample?: boolean;
}

/**
 * Decode FLAC bytes to 16 kHz mono samples in [-1, 1]. Throws a `WavError`
 * naming `file` for a file that is not FLAC, truncated, corrupt, or at
 * another rate without `resample`.
 */
export async function decodeFlac(bytes: Uint8Array, file: string, options: FlacDecodeOptions = {}): Promise<Float32Array> {
  const info = parseFlacInfo(bytes, file);
  if (info.sampleRate !== MODEL_SAMPLE_RATE && !options.resample) {
    throw new WavError(file, 'wrong-sample-rate', `${file} is sampled at ${info.sampleRate} Hz, not ${MODEL_SAMPLE_RATE}; resample the corpus to 16 kHz or pass --resample.`);
  }
  const run = queue.then(() => decodeWhole(bytes));
  queue = run.catch(() => undefined);
  const out = await run;
  if (out.errors.length > 0) {
    throw new WavError(file, 'corrupt', `${file} is corrupt: ${out.errors.length} FLAC frame error(s), first "${out.errors[0].message}"; re-download it.`);
  }
  if (out.samplesDecoded === 0 || (info.totalSamples > 0 && out.samplesDecoded < info.totalSamples)) {
    throw new WavError(file, 'truncated', `${file} is truncated or corrupt: it declares ${info.totalSamples} samples but ${out.samplesDecoded} decode; re-download it.`);
  }
  // The decoder scales integers by 1/(2^(bits−1) − 1); the WAV reader (and
  // torchaudio/soundfile) by 1/2^(bits−1): recover the integer and rescale, so
  // a FLAC and a WAV of the same audio give identical samples.
  const n = out.samplesDecoded;
  const full = 2 ** (info.bitsPerSample - 1);
  const mono = new Float32Array(n);
  const perChannel = 1 / (full * out.channelData.length);
  for (const ch of out.channelData) for (let i = 0; i < n; i++) mono[i] += Math.round(ch[i] * (full - 1)) * perChannel;
  return out.sampleRate === MODEL_SAMPLE_RATE ? mono : resampleAudio(mono, out.sampleRate, MODEL_SAMPLE_RATE);
}
