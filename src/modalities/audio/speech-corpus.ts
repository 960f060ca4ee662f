/**
 * Speech corpora on disk as the speech recipes' data (issue "real corpora";
 * spec §1.2 16 kHz input, §2.1 batching, §7 probe): `--data` naming a
 * LibriSpeech-layout folder, any folder of `.flac`/`.wav` files, or WebDataset
 * `.tar` shards (a folder of them, a brace pattern `train-{000..009}.tar`, or a
 * `::`-separated list) is streamed, never loaded whole. Folder batches come from
 * `AudioStream` (fairseq's length-ordered batches from the header lengths),
 * shard batches from `ShardAudioStream` (length-sorted windows of the shuffle
 * buffer); both decode on worker threads, crop to the batch's shortest clip
 * (at most `audio.maxSampleSize`) and refuse other rates unless
 * `audio.resample`. The probe's test split is a seeded tenth of each speaker's
 * (label's) files.
 *
 * The bundled spoken digits, a folder with a `manifest.csv`, and a small folder
 * of `<label>/*.wav` (at most `IN_MEMORY_AUDIO_BYTES`) are still loaded into
 * memory by `loadAudioDataset`, as before.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { AudioEntry, audioFilesUnder, scanAudioFolder } from '../../data/audio-folder';
import { AudioBatch, collateCentreCrop } from '../../data/audio-batch';
import { holdOutPerLabel } from '../../data/holdout-split';
import { SkipLog } from '../../data/skip-log';
import { DEFAULT_LOADER, LoaderConfig, workersOf } from '../../data/streamed-source';
import { streamedBatchSource } from '../../data/streamed-batches';
import { isShardSpec, listShards } from '../../data/tar-shards';
import { WavError } from '../../data/wav';
import { LabelledFeatures } from '../../eval/features';
import { Rng } from '../../util/rng';
import { AudioStream, StreamedAudioBatch } from './audio-stream';
import type { BatchSamples } from '../../util/drawn-samples';
import { decodeAudioFile } from './decode-audio-file';
import { AudioBatching } from './length-batches';
import { ShardAudioStream } from './shard-audio-stream';

/** Folders of `<label>/*.wav` up to this total size are loaded into memory (the small labelled sets of before); larger ones stream. */
export const IN_MEMORY_AUDIO_BYTES = 64 * 2 ** 20;

/** A streamed speech corpus: its files (or shards), labels and skip count. */
export interface SpeechCorpus {
  root: string;
  kind: 'folder' | 'shards';
  train: AudioEntry[];
  test: AudioEntry[];
  shards: string[];
  /** Speaker (or sub-folder) names; empty for a flat folder or shards. */
  labels: string[];
  /** Files left out for length (under `audio.minSamples` or over `audio.maxSamples`). */
  outOfRange: number;
  skips: SkipLog;
}

/** What opening and streaming a corpus reads from a run config. */
export interface SpeechCorpusConfig {
  seed: number;
  audio: { minSamples: number; maxSamples: number; maxSampleSize: number; batching: AudioBatching; resample?: boolean };
  trainer: { batchSize: number; accumulation: number };
  loader?: LoaderConfig;
}

/**
 * True when `data` should be streamed: shards (a `.tar`, a pattern or list, or a
 * folder holding `.tar` files), or a folder without `manifest.csv` holding FLAC
 * files, audio at the top level or nested deeper than `<label>/`, or more than
 * `IN_MEMORY_AUDIO_BYTES` of WAV.
 */
export function isSpeechCorpus(data: string): boolean {
  if (isShardSpec(data)) return true;
  if (!fs.existsSync(data) || !fs.statSync(data).isDirectory()) return false;
  if (fs.existsSync(path.join(data, 'manifest.csv'))) return false;
  if (fs.readdirSync(data).some((n) => /\.tar$/i.test(n))) return true;
  const files = audioFilesUnder(data);
  if (files.length === 0) return true; // the streamed reader names what is missing
  const root = path.resolve(data);
  if (files.some((f) => /\.flac$/i.test(f) || path.relative(root, f).split(path.sep).length !== 2)) return true;
  return files.reduce((n, f) => n + fs.statSync(f).size, 0) > IN_MEMORY_AUDIO_BYTES;
}

/** List a speech corpus (see the header); throws one sentence for an empty folder or a file at another rate without `resample`. */
export function openSpeechCorpus(data: string, config: Pick<SpeechCorpusConfig, 'seed' | 'audio' | 'loader'>): SpeechCorpus {
  const loader = config.loader ?? DEFAULT_LOADER;
  if (isShardSpec(data) || (fs.existsSync(data) && fs.statSync(data).isDirectory() && fs.readdirSync(data).some((n) => /\.tar$/i.test(n)))) {
    const shards = listShards(data);
    return { root: data, kind: 'shards', train: [], test: [], shards, labels: [], outOfRange: 0, skips: new SkipLog('samples', { maxSkipRate: loader.maxSkipRate }) };
  }
  const folder = scanAudioFolder(data, { minSamples: config.audio.minSamples, resample: config.audio.resample ?? false, maxSkipRate: loader.maxSkipRate });
  folder.skips.check();
  const kept = folder.entries.filter((e) => e.samples <= config.audio.maxSamples);
  if (kept.length === 0) {
    throw new Error(`speech folder ${folder.root} has no file of at most ${config.audio.maxSamples} samples (audio.maxSamples); raise it with --set audio.maxSamples=N.`);
  }
  const { train, test } = holdOutPerLabel(kept, config.seed);
  return { root: folder.root, kind: 'folder', train, test, shards: [], labels: folder.labels, outOfRange: folder.tooShort + folder.entries.length - kept.length, skips: folder.skips };
}

/** One line on a corpus for the run's `data:` line. */
export function describeSpeechCorpus(corpus: SpeechCorpus): string {
  if (corpus.kind === 'shards') return `speech shards ${corpus.root}: ${corpus.shards.length} .tar shards, streamed`;
  const hours = (entries: AudioEntry[]) => (entries.reduce((n, e) => n + e.samples, 0) / 16000 / 3600).toFixed(2);
  return `speech files in ${corpus.root}: ${corpus.train.length} train (${hours(corpus.train)} h) / ${corpus.test.length} test files, ` +
    `${corpus.labels.length} labels, ${corpus.outOfRange} left out for length, ${corpus.skips.summary()}, streamed`;
}

/**
 * The micro-batch source of a streamed corpus for `audioV1Batches`/`audioV2Batches`:
 * batch position `update·accumulation + micro`, made ahead on worker threads and
 * awaited in `prepare`, reporting the files of each micro-batch (paths, or
 * `shard.tar:key.ext` members). The crop is drawn from the batch position, not the
 * micro-batch generator.
 */
export function streamedAudio(config: SpeechCorpusConfig, corpus: SpeechCorpus): AudioSource {
  const loader = config.loader ?? DEFAULT_LOADER;
  const common = { seed: config.seed, maxSampleSize: config.audio.maxSampleSize, resample: config.audio.resample ?? false, workers: workersOf(loader), prefetch: loader.prefetch, skips: corpus.skips };
  const stream = corpus.kind === 'shards'
    ? new ShardAudioStream(corpus.shards, config.trainer.batchSize, { ...common, minSamples: config.audio.minSamples, maxSamples: config.audio.maxSamples })
    : new AudioStream(corpus.train, config.trainer.batchSize, { ...common, scanned: true, batching: config.audio.batching });
  return streamedBatchSource((position) => stream.batch(position), (raw: StreamedAudioBatch): AudioBatch => raw, config.trainer.accumulation, (raw) => ({ files: raw.files }));
}

/** Where a speech micro-batch comes from: clips in memory, or a stream with `prepare` that reports the samples of each micro-batch it made. */
export type AudioSource = ((update: number, micro: number, rng: Rng) => AudioBatch) & {
  prepare?: (update: number) => Promise<void>;
  samples?: (update: number, micro: number) => BatchSamples | undefined;
};

/**
 * Mean-pooled final outputs of each file of a split, decoded one by one and
 * encoded whole up to `maxSampleSize` (as `audioClipFeatures`); a file that
 * fails to decode is counted in the corpus's skips and left out.
 */
export async function streamedClipFeatures(
  encode: (waveform: tf.Tensor2D) => tf.Tensor,
  corpus: SpeechCorpus,
  split: 'train' | 'test',
  options: { maxSampleSize: number; resample: boolean },
  onProgress?: (done: number, total: number) => void,
): Promise<LabelledFeatures> {
  if (corpus.kind === 'shards') throw new Error(`the probe needs labelled speech files; ${corpus.root} names .tar shards: probe on a speech folder (e.g. LibriSpeech's dev-clean) instead.`);
  const entries = corpus[split];
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    let samples: Float32Array;
    try {
      samples = await decodeAudioFile(entries[i].file, options.resample);
    } catch (e) {
      if (!(e instanceof WavError)) throw e;
      corpus.skips.skip(entries[i].file, e.kind, e.message);
      continue;
    }
    const b = collateCentreCrop([{ samples, label: entries[i].label }], { maxSampleSize: options.maxSampleSize });
    const pooled = tf.tidy(() => tf.mean(encode(tf.tensor2d(b.waveforms, [1, b.length])), 1));
    rows.push((await pooled.data()) as Float32Array);
    pooled.dispose();
    labels.push(entries[i].label);
    onProgress?.(i + 1, entries.length);
  }
  const dim = rows[0]?.length ?? 0;
  const x = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => x.set(r, k * dim));
  return { x, y: Int32Array.from(labels), n: rows.length, dim };
}
