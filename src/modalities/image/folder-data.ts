/**
 * Image folders and shards as the image recipes' data (issue "real corpora";
 * spec §2.4 views, §7 probe): `--data DIR` naming an ImageFolder (`train/<class>/`,
 * optional `val/`), a flat folder, or a folder of WebDataset `.tar` shards is
 * read by streaming, never loaded whole. Pretraining batches are decoded and
 * augmented on worker threads (`ImageStream` / `ShardImageStream`) with the
 * preset's view (size, crop scale, flip, v1's colour jitter), normalised with
 * the preset's mean/std; the probe reads the resize-256 / centre-224 view of
 * `val/` (or of a seeded 10 % of each class when there is no `val/`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/image-dataset';
import { ImageEntry, scanImageFolder } from '../../data/image-folder';
import { SkipLog } from '../../data/skip-log';
import { holdOutPerLabel } from '../../data/holdout-split';
import { isShardSpec, listShards } from '../../data/tar-shards';
import { DEFAULT_LOADER, LoaderConfig, workersOf } from '../../data/streamed-source';
import { LabelledFeatures } from '../../eval/features';
import { Rng } from '../../util/rng';
import { AugmentConfig } from './augment';
import { Normalization, normalizePixels } from './image-batch';
import { ImageBytesBatch, ImageStream } from './image-stream';
import { ImageTransform } from './image-transform';
import { ShardImageStream } from './shard-image-stream';
import type { ImageSource } from './batches';
import { streamedBatchSource } from '../../data/streamed-batches';

export { DEFAULT_LOADER, LoaderConfig } from '../../data/streamed-source';

/** A streamed image corpus: the files (or shards) and where the probe splits come from. */
export interface ImageFolderSource {
  root: string;
  kind: 'folder' | 'shards';
  train: ImageEntry[];
  test: ImageEntry[];
  shards: string[];
  classNames: string[];
  skips: SkipLog;
}

/** True when `dir` holds images or `.tar` shards rather than Fashion-MNIST IDX files. */
export function isImageCorpus(dir: string): boolean {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return false;
  const names = fs.readdirSync(dir);
  if (names.some((n) => /idx[13]-ubyte(\.gz)?$/.test(n))) return false;
  return names.some((n) => /\.(jpe?g|png|webp|tar)$/i.test(n) || fs.statSync(path.join(dir, n)).isDirectory());
}

/** List a corpus: shards for a pattern or list (`train-{000..009}.tar`, `a.tar::b.tar`) or a folder holding `.tar` files, else an image folder (test split: `val/` or a seeded 10 % per class). */
export function openImageCorpus(dir: string, loader: LoaderConfig, seed: number): ImageFolderSource {
  if (isShardSpec(dir)) {
    return { root: dir, kind: 'shards', train: [], test: [], shards: listShards(dir), classNames: [], skips: new SkipLog('samples', { maxSkipRate: loader.maxSkipRate }) };
  }
  const root = path.resolve(dir);
  if (fs.readdirSync(root).some((n) => /\.tar$/i.test(n))) {
    return { root, kind: 'shards', train: [], test: [], shards: listShards(root), classNames: [], skips: new SkipLog('samples', { maxSkipRate: loader.maxSkipRate }) };
  }
  const folder = scanImageFolder(root, { maxSkipRate: loader.maxSkipRate });
  let { train, val: test } = folder;
  if (test.length === 0) ({ train, test } = holdOutPerLabel(train, seed));
  return { root, kind: 'folder', train, test, shards: [], classNames: folder.classNames, skips: folder.skips };
}

/** An `ImageDataset` header for a streamed split: sizes and labels, no pixels in memory. */
export function streamedSplit(name: string, entries: readonly ImageEntry[], size: number, channels: number, classNames: string[]): ImageDataset {
  return { name, images: new Uint8Array(0), labels: Int32Array.from(entries, (e) => e.label), n: entries.length, height: size, width: size, channels, classNames };
}

/** The preset's training view as an `ImageTransform` (224 → eval resize 256, as the papers). */
export function trainTransform(config: { model: { imageSize: [number, number]; channels: number }; augment: AugmentConfig }): ImageTransform {
  const size = config.model.imageSize[0];
  if (config.model.imageSize[1] !== size) throw new Error(`image folders need square inputs; the preset's model.imageSize is ${config.model.imageSize.join('x')}.`);
  if (!config.augment.cropScale) throw new Error('image folders need a random-resized-crop scale (augment.cropScale); set one, e.g. [0.08, 1].');
  return {
    mode: 'train', size, channels: config.model.channels === 1 ? 1 : 3, cropScale: config.augment.cropScale, cropRatio: config.augment.cropRatio, hflip: config.augment.hflip,
    colourJitter: config.augment.colourJitter, evalResize: Math.round((size * 256) / 224),
  };
}

/** Bytes of a decoded batch as a normalised `[n, size, size, channels]` tensor. */
export function normalizedBatch(batch: ImageBytesBatch, norm: Normalization): tf.Tensor4D {
  const { pixels, channels: c } = batch;
  const out = new Float32Array(pixels.length);
  normalizePixels(pixels, c, norm, out);
  return tf.tensor4d(out, [batch.n, batch.size, batch.size, c]);
}

/** The training stream of a corpus (files in a seeded order per epoch, or shards through a shuffle buffer). */
export function trainImageStream(source: ImageFolderSource, transform: ImageTransform, batchSize: number, loader: LoaderConfig, seed: number): { batch(p: number): Promise<ImageBytesBatch>; close(): Promise<void> } {
  const options = { transform, seed, workers: workersOf(loader), prefetch: loader.prefetch, skips: source.skips };
  return source.kind === 'shards' ? new ShardImageStream(source.shards, batchSize, options) : new ImageStream(source.train, batchSize, { ...options, scanned: true });
}

/** Mean-pooled encoder features of a split through the eval view (resize, centre crop), batch by batch. */
export async function streamedImageFeatures(
  encode: (x: tf.Tensor4D) => tf.Tensor,
  source: ImageFolderSource,
  split: 'train' | 'test',
  transform: ImageTransform,
  norm: Normalization,
  batchSize: number,
  loader: LoaderConfig,
  onProgress?: (done: number, total: number) => void,
): Promise<LabelledFeatures> {
  if (source.kind === 'shards') throw new Error(`the probe needs labelled image files; ${source.root} holds .tar shards: probe on an ImageFolder (train/<class>/, val/<class>/) instead.`);
  const entries = split === 'train' ? source.train : source.test;
  const stream = new ImageStream(entries, batchSize, { transform: { ...transform, mode: 'eval' }, seed: 0, workers: workersOf(loader), prefetch: loader.prefetch, skips: source.skips, scanned: true }, 'sequential');
  const y = new Int32Array(entries.length);
  let x: Float32Array | undefined;
  let dim = 0;
  try {
    for (let p = 0, done = 0; done < entries.length; p++) {
      const batch = await stream.batch(p);
      const pooled = tf.tidy(() => tf.mean(encode(normalizedBatch(batch, norm)), 1));
      dim = pooled.shape[1] as number;
      x ??= new Float32Array(entries.length * dim);
      x.set(await pooled.data(), done * dim);
      pooled.dispose();
      y.set(batch.labels, done);
      done += batch.n;
      onProgress?.(done, entries.length);
    }
  } finally {
    await stream.close();
  }
  source.skips.check();
  return { x: x ?? new Float32Array(0), y, n: entries.length, dim };
}

/** The corpus with its splits cut to seeded subsets (for cheap probes during training). */
export function subsetSource(source: ImageFolderSource, train: number, test: number, seed: number | string): ImageFolderSource {
  const pick = (entries: ImageEntry[], n: number): ImageEntry[] =>
    n >= entries.length ? entries : new Rng(`${seed}:probe-subset`).permutation(entries.length).slice(0, n).sort((a, b) => a - b).map((i) => entries[i]);
  return { ...source, train: pick(source.train, train), test: pick(source.test, test) };
}

/**
 * The image source of a streamed corpus for `imageV1Batches`/`imageV2Batches`:
 * batch position `update·accumulation + micro` of the training stream, made
 * ahead on worker threads and awaited in `prepare`, reporting the files of each
 * micro-batch (paths, or `shard.tar:key`). Undefined without a corpus.
 */
export function streamedImages(
  config: { seed: number; normalize: Normalization; model: { imageSize: [number, number]; channels: number }; augment: AugmentConfig; trainer: { batchSize: number; accumulation: number }; loader?: LoaderConfig },
  source: ImageFolderSource | undefined,
): ImageSource | undefined {
  if (!source) return undefined;
  const loader = config.loader ?? DEFAULT_LOADER;
  const stream = trainImageStream(source, trainTransform(config), config.trainer.batchSize, loader, config.seed);
  const accumulation = config.trainer.accumulation;
  return streamedBatchSource(
    (position) => stream.batch(position),
    (raw) => normalizedBatch(raw, config.normalize),
    accumulation,
    (raw) => ({ files: raw.files }),
  ) as unknown as ImageSource;
}
