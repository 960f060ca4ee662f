/**
 * WAV reader for the speech models (spec §1.2 "Input waveform": 16 kHz mono).
 *
 * Accepts RIFF (little-endian) and RIFX (big-endian) WAVE files holding PCM
 * 16/24/32-bit signed integers or IEEE 32/64-bit floats, plain or
 * WAVE_FORMAT_EXTENSIBLE, with any number of channels. Channels are averaged
 * to mono, as fairseq `RawAudioDataset.postprocess` does (`feats.mean(-1)`).
 * Integers are scaled by 2^-(bits-1) (the soundfile convention fairseq reads
 * with), so the output lies in [-1, 1]; float samples outside [-1, 1] are
 * clamped and non-finite ones are an error. 8-bit PCM, A-law, mu-law, ADPCM
 * and RF64 files are rejected with a `sox` command that converts them.
 *
 * Sample rate: fairseq raises on any rate other than 16 kHz. Here the default
 * (`otherRate: 'resample'`) converts other rates with the `wavefile`
 * package's windowed-sinc interpolator, preceded (downsampling) or followed
 * (upsampling) by its zero-phase Butterworth low-pass filter at the lower
 * Nyquist frequency: a 1 kHz tone keeps its frequency and amplitude, a 10 kHz
 * tone at 44.1 kHz is removed (test/data/wav.test.ts). It is slow (about
 * 0.9 s per second of 44.1 kHz audio on a 2-core laptop-class CPU, mostly
 * `wavefile`'s sample packing), so convert large corpora once with
 * `sox in.wav -r 16000 out.wav`. `otherRate: 'reject'` reproduces fairseq.
 *
 * `wavefile` parses the RIFF chunks and the `fmt ` chunk and resamples; the
 * sample bytes are decoded here because `wavefile` ignores the
 * WAVE_FORMAT_EXTENSIBLE subformat (it would read extensible float32 as
 * int32) and silently shortens a truncated data chunk. Every failure is a
 * `WavError`: one sentence naming the file, with a `kind` for summaries.
 */
import * as fs from 'fs';
import { fileErrorMessage, withFile } from '../util/io-error';
import { WaveFile } from 'wavefile';

/** The sample rate of every speech encoder: 16 kHz (spec §1.2). */
export const MODEL_SAMPLE_RATE = 16000;

/** Receptive field of the wav2vec 2.0 feature CNN in samples (25 ms at 16 kHz, spec §1.2): the shortest clip that yields one frame. */
export const CNN_RECEPTIVE_FIELD = 400;

/** Why a file could not be used; `describeWavErrorKind` gives the words used in summaries. */
export type WavErrorKind =
  | 'unreadable'
  | 'empty'
  | 'not-wav'
  | 'truncated'
  | 'corrupt'
  | 'unsupported-encoding'
  | 'wrong-sample-rate'
  | 'too-short'
  | 'too-long';

/** A file that cannot be used as speech input; `message` is one sentence naming the file. */
export class WavError extends Error {
  constructor(
    /** The file (or source name) at fault. */
    readonly file: string,
    /** Category of the problem, for counting in summaries. */
    readonly kind: WavErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'WavError';
  }
}

const KIND_WORDS: Record<WavErrorKind, string> = {
  unreadable: 'unreadable',
  empty: 'empty',
  'not-wav': 'not a WAV file',
  truncated: 'truncated',
  corrupt: 'corrupt',
  'unsupported-encoding': 'unsupported encoding',
  'wrong-sample-rate': 'wrong sample rate',
  'too-short': 'too short',
  'too-long': 'too long',
};

/** Short words for a `WavErrorKind`, e.g. `'not-wav'` → "not a WAV file". */
export function describeWavErrorKind(kind: WavErrorKind): string {
  return KIND_WORDS[kind];
}

/** Options of `decodeWav` / `readWav`. */
export interface WavReadOptions {
  /** Output sample rate in Hz. Default `MODEL_SAMPLE_RATE` (16000). */
  sampleRate?: number;
  /** What to do with a file at another rate: `'resample'` (default, band-limited) or `'reject'` (fairseq's behaviour). */
  otherRate?: 'resample' | 'reject';
  /** Fewest samples (at the output rate) accepted. Default `CNN_RECEPTIVE_FIELD` (400). */
  minSamples?: number;
  /** Most samples (at the output rate) accepted. Default: no limit. */
  maxSamples?: number;
}

/** The sample encodings this reader decodes. */
export type WavEncoding = 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

/** A decoded file: mono samples in [-1, 1] at `sampleRate`, and what the file held. */
export interface DecodedWav {
  samples: Float32Array;
  /** Rate of `samples` in Hz. */
  sampleRate: number;
  /** Rate stored in the file. */
  sourceSampleRate: number;
  /** Channels stored in the file (averaged into `samples`). */
  channels: number;
  /** Stored encoding. */
  encoding: WavEncoding;
}

/** The fields of a parsed `wavefile` object read here (its typings declare them as `object`). */
interface ParsedWave {
  container: string;
  fmt: { audioFormat: number; numChannels: number; sampleRate: number; blockAlign: number; bitsPerSample: number; subformat: number[] };
  /** The data chunk: its declared size, and the bytes actually present (wavefile slices silently at the end of the file). */
  data: { chunkSize: number; samples: Uint8Array };
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES: Record<number, string> = { 2: 'MS-ADPCM', 6: 'A-law', 7: 'mu-law', 17: 'IMA-ADPCM', 85: 'MP3' };
const CONVERT_HINT = 'convert it with `sox in.wav -e signed-integer -b 16 -r 16000 out.wav`';

/** Bytes per stored sample of each encoding. */
const SAMPLE_BYTES: Record<WavEncoding, number> = { pcm16: 2, pcm24: 3, pcm32: 4, float32: 4, float64: 8 };

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** Map the fmt fields to a supported encoding, or throw naming what the file holds. */
function encodingOf(fmt: ParsedWave['fmt'], file: string): WavEncoding {
  const code = fmt.audioFormat === WAVE_FORMAT_EXTENSIBLE && fmt.subformat.length > 0 ? fmt.subformat[0] & 0xffff : fmt.audioFormat;
  const bits = fmt.bitsPerSample;
  if (code === WAVE_FORMAT_PCM && (bits === 16 || bits === 24 || bits === 32)) return `pcm${bits}`;
  if (code === WAVE_FORMAT_IEEE_FLOAT && (bits === 32 || bits === 64)) return `float${bits}`;
  const what =
    code === WAVE_FORMAT_PCM
      ? `${bits}-bit integer PCM`
      : code === WAVE_FORMAT_IEEE_FLOAT
        ? `${bits}-bit float`
        : `${FORMAT_NAMES[code] ?? `format code ${code}`} (${bits}-bit)`;
  throw new WavError(
    file,
    'unsupported-encoding',
    `${file} uses ${what} encoding, which is not supported (only 16/24/32-bit integer PCM and 32/64-bit float are); ${CONVERT_HINT}.`,
  );
}

/** Decode `frames` interleaved frames and average the channels: mono samples (float64, for the resampler). */
function decodeMono(bytes: Uint8Array, frames: number, channels: number, encoding: WavEncoding, littleEndian: boolean, file: string): Float64Array {
  const width = SAMPLE_BYTES[encoding];
  const view = new DataView(bytes.buffer, bytes.byteOffset, frames * channels * width);
  const read: (offset: number) => number = {
    pcm16: (o: number) => view.getInt16(o, littleEndian) / 32768,
    pcm24: (o: number) => {
      const [lo, mid, hi] = littleEndian ? [o, o + 1, o + 2] : [o + 2, o + 1, o];
      return (view.getInt8(hi) * 65536 + view.getUint8(mid) * 256 + view.getUint8(lo)) / 8388608;
    },
    pcm32: (o: number) => view.getInt32(o, littleEndian) / 2147483648,
    float32: (o: number) => view.getFloat32(o, littleEndian),
    float64: (o: number) => view.getFloat64(o, littleEndian),
  }[encoding];
  const mono = new Float64Array(frames);
  for (let f = 0, o = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, o += width) sum += read(o);
    if (!Number.isFinite(sum)) {
      throw new WavError(file, 'corrupt', `${file} contains a non-finite sample (NaN or infinity) at frame ${f}; re-export the file.`);
    }
    mono[f] = sum / channels;
  }
  return mono;
}

/**
 * Band-limited resampling of a mono signal with `wavefile`'s sinc
 * interpolator and its zero-phase Butterworth anti-alias filter (cut-off at
 * the lower of the two Nyquist frequencies). Output length is
 * `floor(n · toRate / fromRate)`.
 */
export function resampleAudio(samples: ArrayLike<number>, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return Float32Array.from(samples);
  const wave = new WaveFile();
  wave.fromScratch(1, fromRate, '32f', Float32Array.from(samples));
  wave.toSampleRate(toRate, { method: 'sinc' });
  return Float32Array.from(wave.getSamples());
}

/** Check the RIFF/WAVE signature before handing the bytes to `wavefile`. */
function checkSignature(bytes: Uint8Array, file: string): void {
  if (bytes.length === 0) throw new WavError(file, 'empty', `${file} is empty (0 bytes); re-export or re-download it.`);
  const magic = ascii(bytes, 0, 4);
  if (magic === 'RF64') {
    throw new WavError(file, 'unsupported-encoding', `${file} uses the RF64 (64-bit) WAV container, which is not supported; ${CONVERT_HINT}.`);
  }
  if (magic !== 'RIFF' && magic !== 'RIFX') {
    throw new WavError(file, 'not-wav', `${file} is not a WAV file (it does not start with a RIFF header); convert it, e.g. \`sox in.flac -r 16000 out.wav\`.`);
  }
  if (bytes.length < 12) {
    throw new WavError(file, 'truncated', `${file} is truncated: it ends inside its ${bytes.length}-byte RIFF header; re-export or re-download it.`);
  }
  const type = ascii(bytes, 8, 12);
  if (type !== 'WAVE') throw new WavError(file, 'not-wav', `${file} is a RIFF file of type "${type}", not a WAV (RIFF/WAVE) file; convert it to WAV.`);
}

/**
 * Decode WAV bytes into mono float samples at `options.sampleRate` (16 kHz).
 * `file` names the source in error messages. Throws `WavError`.
 */
export function decodeWav(bytes: Uint8Array, file: string, options: WavReadOptions = {}): DecodedWav {
  const targetRate = options.sampleRate ?? MODEL_SAMPLE_RATE;
  const minSamples = options.minSamples ?? CNN_RECEPTIVE_FIELD;
  checkSignature(bytes, file);
  const wave = new WaveFile() as unknown as WaveFile & ParsedWave;
  try {
    wave.fromBuffer(bytes, true);
  } catch (e) {
    const reason = (e as Error).message.replace(/\.$/, '');
    const missing = /"(fmt |data)"/.exec(reason)?.[1];
    const what = missing !== undefined ? `has no "${missing}" chunk (it may be cut short)` : `is a damaged WAV file (${reason})`;
    throw new WavError(file, missing === 'data' ? 'truncated' : 'corrupt', `${file} ${what}; re-export or re-download it.`);
  }
  const encoding = encodingOf(wave.fmt, file);
  const { numChannels: channels, sampleRate: sourceRate, blockAlign } = wave.fmt;
  const audio = wave.data.samples;
  if (wave.data.chunkSize > audio.length) {
    throw new WavError(
      file,
      'truncated',
      `${file} is truncated: its data chunk declares ${wave.data.chunkSize} bytes of audio but only ${audio.length} are present; re-export or re-download it.`,
    );
  }
  const width = SAMPLE_BYTES[encoding];
  if (channels < 1 || blockAlign !== channels * width || !(sourceRate > 0)) {
    throw new WavError(
      file,
      'corrupt',
      `${file} has an inconsistent fmt chunk (${channels} channels, ${sourceRate} Hz, ${blockAlign}-byte frames of ${width}-byte samples); re-export it.`,
    );
  }
  if (sourceRate !== targetRate && options.otherRate === 'reject') {
    throw new WavError(
      file,
      'wrong-sample-rate',
      `${file} is sampled at ${sourceRate} Hz but ${targetRate} Hz is required; convert it with \`sox in.wav -r ${targetRate} out.wav\`.`,
    );
  }

  const frames = Math.floor(wave.data.chunkSize / blockAlign);
  const mono = decodeMono(audio, frames, channels, encoding, wave.container !== 'RIFX', file);
  const samples = sourceRate === targetRate ? Float32Array.from(mono) : resampleAudio(mono, sourceRate, targetRate);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.max(-1, Math.min(1, samples[i]));

  const seconds = (samples.length / targetRate).toFixed(3);
  if (samples.length < minSamples) {
    throw new WavError(
      file,
      'too-short',
      `${file} has ${samples.length} samples (${seconds} s at ${targetRate} Hz), fewer than the minimum of ${minSamples}${minSamples === CNN_RECEPTIVE_FIELD ? " (the speech encoder's receptive field)" : ''}; use a longer clip or lower the minimum.`,
    );
  }
  if (options.maxSamples !== undefined && samples.length > options.maxSamples) {
    throw new WavError(
      file,
      'too-long',
      `${file} has ${samples.length} samples (${seconds} s at ${targetRate} Hz), more than the maximum of ${options.maxSamples}; split the recording or raise the maximum.`,
    );
  }
  return { samples, sampleRate: targetRate, sourceSampleRate: sourceRate, channels, encoding };
}

/** Read and decode a WAV file (see `decodeWav`). Throws `WavError`, also when the file cannot be read. */
export function readWav(file: string, options: WavReadOptions = {}): DecodedWav {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new WavError(file, 'unreadable', fileErrorMessage(e, 'read', file, 'check that the path exists and is a readable file'));
  }
  return decodeWav(bytes, file, options);
}

/**
 * Encode mono samples in [-1, 1] as a 16-bit PCM WAV file: scaled by 32768
 * (the inverse of the reader), rounded and clamped to [-32768, 32767], so a
 * round trip is exact to half a step. Use it e.g. to listen to a crop.
 */
export function encodeWav16(samples: ArrayLike<number>, sampleRate = MODEL_SAMPLE_RATE): Uint8Array {
  const ints = Int16Array.from({ length: samples.length }, (_, i) => Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))));
  const wave = new WaveFile();
  wave.fromScratch(1, sampleRate, '16', ints);
  return wave.toBuffer();
}

/** Write mono samples as a 16-bit PCM WAV file (see `encodeWav16`). */
export function writeWav16(file: string, samples: ArrayLike<number>, sampleRate = MODEL_SAMPLE_RATE): void {
  withFile('write the WAV file', file, () => fs.writeFileSync(file, encodeWav16(samples, sampleRate)));
}
