/**
 * Data-pipeline throughput (issue "throughput"; a benchmark, never a timed
 * test): for a folder, images decoded and augmented per second at 224² (the
 * v1 view: random-resized-crop, flip, colour jitter) for each worker count,
 * seconds of speech decoded per second (files, and `.tar` shards of FLAC/WAV
 * per worker count), and text tokenised per second with
 * GPT-2 BPE. Each part runs only when the folder holds that kind of file.
 */
import * as fs from 'fs';
import { scanImageFolder } from '../data/image-folder';
import { scanAudioFolder } from '../data/audio-folder';
import { SkipLog } from '../data/skip-log';
import { listTextFiles, readDocuments } from '../data/text-corpus';
import { gpt2Tokenizer } from '../data/tokenizer-presets';
import { ImageStream } from '../modalities/image/image-stream';
import { V1_TRAIN_TRANSFORM } from '../modalities/image/image-transform';
import { decodeAudioFile } from '../modalities/audio/decode-audio-file';
import { MODEL_SAMPLE_RATE } from '../data/wav';
import { listShards, readShards } from '../data/tar-shards';
import { ShardAudioStream } from '../modalities/audio/shard-audio-stream';

/** What `benchData` measured; a part is absent when the folder has no such files. */
export interface DataBenchResult {
  images?: { workers: number; imagesPerSec: number; images: number; meanWidth: number; meanHeight: number }[];
  audio?: { audioSecondsPerSec: number; files: number; audioSeconds: number };
  /** Speech `.tar` shards through `ShardAudioStream` (batches of 8, cropped to the shortest clip), per worker count. */
  audioShards?: { workers: number; clipsPerSec: number; croppedSecondsPerSec: number; clips: number }[];
  text?: { tokensPerSec: number; tokens: number; megabytes: number };
}

/** Options of `benchData`. */
export interface DataBenchOptions {
  /** Worker counts to time (default 0 = decode from the main thread through libvips, then 1 and 2). */
  workers?: number[];
  /** Images decoded per worker count (default 400). */
  images?: number;
  /** Speech files decoded at most (default 50). */
  audioFiles?: number;
  /** Text bytes tokenised at most (default 4 MB). */
  textBytes?: number;
  onLine?: (line: string) => void;
}

async function benchImages(dir: string, options: DataBenchOptions): Promise<DataBenchResult['images']> {
  const folder = scanImageFolder(dir, { maxSkipRate: 1 });
  const entries = folder.train;
  const count = options.images ?? 400;
  const batch = 16;
  const out: NonNullable<DataBenchResult['images']> = [];
  for (const workers of options.workers ?? [0, 1, 2]) {
    const stream = new ImageStream(entries, batch, { transform: V1_TRAIN_TRANSFORM, seed: 0, workers, prefetch: Math.max(1, workers), skips: new SkipLog('files', { maxSkipRate: 1 }) });
    try {
      await stream.batch(0); // start-up (worker threads, libvips) outside the timing
      const batches = Math.ceil(count / batch);
      let w = 0;
      let h = 0;
      const t0 = performance.now();
      for (let p = 1; p <= batches; p++) await stream.batch(p);
      const seconds = (performance.now() - t0) / 1000;
      for (const e of entries.slice(0, 50)) {
        const m = await import('sharp').then((s) => s.default(e.file).metadata());
        w += m.width ?? 0;
        h += m.height ?? 0;
      }
      const n = Math.min(entries.length, 50);
      out.push({ workers, imagesPerSec: (batches * batch) / seconds, images: batches * batch, meanWidth: Math.round(w / n), meanHeight: Math.round(h / n) });
      options.onLine?.(`images: ${workers} worker(s): ${((batches * batch) / seconds).toFixed(1)} images/s decoded + augmented to 224² (${batches * batch} images, mean source ${Math.round(w / n)}×${Math.round(h / n)})`);
    } finally {
      await stream.close();
    }
  }
  return out;
}

async function benchAudio(dir: string, options: DataBenchOptions): Promise<DataBenchResult['audio']> {
  const folder = scanAudioFolder(dir, { minSamples: 1, maxSkipRate: 1 });
  const files = folder.entries.slice(0, options.audioFiles ?? 50);
  const t0 = performance.now();
  let samples = 0;
  for (const e of files) samples += (await decodeAudioFile(e.file, true)).length;
  const seconds = (performance.now() - t0) / 1000;
  const audioSeconds = samples / MODEL_SAMPLE_RATE;
  options.onLine?.(`audio: ${(audioSeconds / seconds).toFixed(1)} s of 16 kHz audio decoded per second (${files.length} files, ${audioSeconds.toFixed(1)} s)`);
  return { audioSecondsPerSec: audioSeconds / seconds, files: files.length, audioSeconds };
}

/** True when the first sample of the first shard has a FLAC or WAV member. */
async function shardsHoldAudio(shards: string[]): Promise<boolean> {
  for await (const sample of readShards(shards.slice(0, 1), new SkipLog('samples', { maxSkipRate: 1 }))) return sample.files.has('flac') || sample.files.has('wav');
  return false;
}

async function benchAudioShards(dir: string, options: DataBenchOptions): Promise<DataBenchResult['audioShards']> {
  const shards = listShards(dir);
  if (!(await shardsHoldAudio(shards))) return undefined;
  const batch = 8;
  const batches = Math.max(1, Math.ceil((options.audioFiles ?? 50) / batch));
  const out: NonNullable<DataBenchResult['audioShards']> = [];
  for (const workers of options.workers ?? [0, 1, 2]) {
    const stream = new ShardAudioStream(shards, batch, { seed: 0, minSamples: 1, resample: true, workers, prefetch: Math.max(1, workers), shuffle: 64, skips: new SkipLog('samples', { maxSkipRate: 1 }) });
    try {
      await stream.batch(0); // start-up (worker threads, the first length window) outside the timing
      let cropped = 0;
      const t0 = performance.now();
      for (let p = 1; p <= batches; p++) {
        const b = await stream.batch(p);
        cropped += (b.batch * b.length) / MODEL_SAMPLE_RATE;
      }
      const seconds = (performance.now() - t0) / 1000;
      out.push({ workers, clipsPerSec: (batches * batch) / seconds, croppedSecondsPerSec: cropped / seconds, clips: batches * batch });
      options.onLine?.(`audio shards: ${workers} worker(s): ${((batches * batch) / seconds).toFixed(1)} clips/s, ${(cropped / seconds).toFixed(1)} s of cropped 16 kHz audio per second (${batches * batch} clips in batches of ${batch})`);
    } finally {
      await stream.close();
    }
  }
  return out;
}

async function benchText(dir: string, options: DataBenchOptions): Promise<DataBenchResult['text']> {
  const limit = options.textBytes ?? 4e6;
  const tok = gpt2Tokenizer();
  let bytes = 0;
  let tokens = 0;
  const t0 = performance.now();
  outer: for (const file of listTextFiles(dir)) {
    for await (const doc of readDocuments(file)) {
      tokens += tok.encode(doc).length + 1;
      bytes += Buffer.byteLength(doc) + 1;
      if (bytes >= limit) break outer;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  options.onLine?.(`text: ${Math.round(tokens / seconds).toLocaleString('en-US')} GPT-2 tokens/s (${(bytes / 1e6).toFixed(1)} MB, ${tokens.toLocaleString('en-US')} tokens)`);
  return { tokensPerSec: tokens / seconds, tokens, megabytes: bytes / 1e6 };
}

/** Time the parts of the pipeline that `dir` has files for. Throws when it has none. */
export async function benchData(dir: string, options: DataBenchOptions = {}): Promise<DataBenchResult> {
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist; pass a folder of images, speech or text files.`);
  const result: DataBenchResult = {};
  const has = (re: RegExp): boolean => {
    const walk = (d: string, depth: number): boolean =>
      depth < 4 && fs.readdirSync(d, { withFileTypes: true }).some((e) => (e.isDirectory() ? walk(`${d}/${e.name}`, depth + 1) : re.test(e.name)));
    return walk(dir, 0);
  };
  if (has(/\.(jpe?g|png|webp)$/i)) result.images = await benchImages(dir, options);
  if (has(/\.(flac|wav)$/i)) result.audio = await benchAudio(dir, options);
  if (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).some((n) => /\.tar$/i.test(n))) result.audioShards = await benchAudioShards(dir, options);
  if (has(/\.(txt|jsonl|gz)$/i)) result.text = await benchText(dir, options);
  if (!result.images && !result.audio && !result.audioShards && !result.text) throw new Error(`${dir} holds no images, speech or text files to time.`);
  return result;
}
