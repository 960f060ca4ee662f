/**
 * Speech corpora as people keep them (issue "real corpora"; spec §1.2 16 kHz
 * mono input, §2.1 length filter): the LibriSpeech layout
 * `<speaker>/<chapter>/*.flac` (speaker ids become the probe's classes), a
 * folder of `<label>/…` sub-folders, or any flat folder of `.flac`/`.wav`
 * files. Listing reads only headers (FLAC STREAMINFO; WAV files are decoded
 * once), so lengths are known for length-ordered batches without decoding
 * the corpus. Files at another rate stop the listing with one sentence unless
 * `resample` is set; files shorter than `minSamples` (fairseq's 32000, 2 s)
 * are left out as fairseq does; unreadable, empty and corrupt files are
 * counted as skipped. Other files (LibriSpeech's `.trans.txt`) are ignored.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readFlacInfo } from './flac';
import { SkipLog, SkipLogOptions } from './skip-log';
import { MODEL_SAMPLE_RATE, WavError, describeWavErrorKind, readWav } from './wav';

/** One speech file: its class index (-1 without classes) and its length in samples at 16 kHz. */
export interface AudioEntry {
  file: string;
  label: number;
  samples: number;
}

/** A listed speech folder. */
export interface AudioFolder {
  root: string;
  layout: 'librispeech' | 'subfolders' | 'flat';
  entries: AudioEntry[];
  /** Class names (speakers for LibriSpeech, sub-folder names otherwise); empty for a flat folder. */
  labels: string[];
  /** Files under `minSamples`, left out as fairseq's `min_sample_size` does. */
  tooShort: number;
  skips: SkipLog;
}

/** Options of `scanAudioFolder`. */
export interface AudioFolderOptions extends SkipLogOptions {
  /** Shortest file kept, in samples at 16 kHz. Default 32000 (fairseq `min_sample_size`). */
  minSamples?: number;
  /** Accept other rates (resampled when decoded) instead of stopping. Default false. */
  resample?: boolean;
}

/** fairseq LibriSpeech `min_sample_size`: 32000 samples (2 s). */
export const LIBRISPEECH_MIN_SAMPLES = 32000;

const AUDIO_FILE = /\.(flac|wav)$/i;

/** Audio files under `dir` with their path parts relative to `root`, sorted. */
export function audioFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? audioFilesUnder(path.join(dir, e.name)) : AUDIO_FILE.test(e.name) ? [path.join(dir, e.name)] : []));
}

/** Length at 16 kHz and rate of one file from its header (FLAC) or a decode (WAV). */
function lengthOf(file: string, resample: boolean): number {
  if (fs.statSync(file).size === 0) throw new WavError(file, 'empty', `${file} is empty (0 bytes); re-download it or remove it.`);
  if (/\.flac$/i.test(file)) {
    const info = readFlacInfo(file);
    if (info.sampleRate !== MODEL_SAMPLE_RATE && !resample) {
      throw new Error(`${file} is sampled at ${info.sampleRate} Hz, not ${MODEL_SAMPLE_RATE}; resample the corpus to 16 kHz or pass --resample.`);
    }
    return Math.floor((info.totalSamples * MODEL_SAMPLE_RATE) / info.sampleRate);
  }
  try {
    return readWav(file, { otherRate: resample ? 'resample' : 'reject', minSamples: 1 }).samples.length;
  } catch (e) {
    if (e instanceof WavError && e.kind === 'wrong-sample-rate') throw new Error(`${e.message.replace(/\.$/, '')}, or pass --resample.`);
    throw e;
  }
}

/** List a speech folder (see the file header for layouts and filters). Throws one sentence for a missing or empty folder. */
export function scanAudioFolder(dir: string, options: AudioFolderOptions = {}): AudioFolder {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new Error(`speech folder ${root} does not exist or is not a folder; pass a folder of .flac/.wav files (e.g. LibriSpeech's train-clean-100).`);
  }
  const files = audioFilesUnder(root);
  if (files.length === 0) throw new Error(`speech folder ${root} holds no .flac or .wav files; pass a folder such as LibriSpeech/train-clean-100.`);
  const depths = new Set(files.map((f) => path.relative(root, f).split(path.sep).length));
  const layout: AudioFolder['layout'] = depths.size === 1 && depths.has(3) ? 'librispeech' : depths.has(1) ? 'flat' : 'subfolders';
  const labelName = (f: string): string | undefined => (layout === 'flat' ? undefined : path.relative(root, f).split(path.sep)[0]);
  const labels = [...new Set(files.map(labelName).filter((l): l is string => l !== undefined))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const skips = new SkipLog('files', options);
  const minSamples = options.minSamples ?? LIBRISPEECH_MIN_SAMPLES;
  const entries: AudioEntry[] = [];
  let tooShort = 0;
  for (const file of files) {
    let samples: number;
    try {
      samples = lengthOf(file, options.resample ?? false);
    } catch (e) {
      if (!(e instanceof WavError)) throw e;
      skips.skip(file, describeWavErrorKind(e.kind), e.message);
      continue;
    }
    skips.ok();
    if (samples < minSamples) tooShort++;
    else {
      const name = labelName(file);
      entries.push({ file, label: name === undefined ? -1 : labels.indexOf(name), samples });
    }
  }
  if (entries.length === 0) {
    throw new Error(`speech folder ${root} has no usable file of at least ${minSamples} samples (${tooShort} shorter; ${skips.summary()}); lower the minimum length or check the files.`);
  }
  return { root, layout, entries, labels, tooShort, skips };
}
