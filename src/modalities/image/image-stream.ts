/**
 * Streams pretraining and evaluation batches from image files (issue "real
 * corpora"; spec §2.4 views): batch position p holds the files of a seeded
 * permutation (`sampleIndices`), each decoded and augmented with its own seed
 * `(seed, p, b)`, so a batch is the same whichever worker made it and a resumed
 * run sees the same data. Decoding runs on a `WorkerPool` (0 workers: libvips's
 * own threads from the training thread) and a `Prefetcher` keeps `prefetch`
 * batches in production ahead of training. A file that fails to decode is
 * counted once in the `SkipLog` and replaced by the next good file of the list.
 */
import * as path from 'path';
import sharp from 'sharp';
import { sampleIndices } from '../../data/batch-order';
import { ImageEntry } from '../../data/image-folder';
import { SkippingDecoder } from '../../data/skipping-decoder';
import { StreamedSource, StreamedSourceOptions, isBadInput } from '../../data/streamed-source';
import { Rng } from '../../util/rng';
import { ImageDecodeJob } from './image-decode-worker';
import { ImageDecodeError, ImageTransform, ImageView, transformImage } from './image-transform';

/** A batch of decoded views: `n·size·size·channels` bytes (NHWC) and their labels. */
export interface ImageBytesBatch {
  pixels: Uint8Array;
  labels: Int32Array;
  n: number;
  size: number;
  channels: number;
  /** Files read, in batch order. */
  files: string[];
}

/** Pack decoded views of one `size` × `size` × `channels` shape into a batch, in the given order. */
export function packImageBatch(views: readonly ImageView[], size: number, channels: number, labels: readonly number[], files: string[]): ImageBytesBatch {
  const pixels = new Uint8Array(views.length * size * size * channels);
  views.forEach((view, b) => pixels.set(view.pixels, b * view.pixels.length));
  return { pixels, n: views.length, size, channels, labels: Int32Array.from(labels), files };
}

/** Options of `ImageStream`. */
export interface ImageStreamOptions extends StreamedSourceOptions {
  transform: ImageTransform;
  seed: number | string;
}

export class ImageStream extends StreamedSource<ImageDecodeJob, ImageView, ImageBytesBatch> {
  private readonly decoder: SkippingDecoder<ImageView>;
  readonly transform: ImageTransform;

  /**
   * @param entries the files (e.g. `scanImageFolder(dir).train`)
   * @param batchSize images per batch
   * @param order `'random'`: a seeded permutation per epoch (training); `'sequential'`: batch p holds entries p·B… (evaluation)
   */
  constructor(readonly entries: readonly ImageEntry[], readonly batchSize: number, readonly options: ImageStreamOptions, readonly order: 'random' | 'sequential' = 'random') {
    if (entries.length === 0) throw new Error('an image stream needs at least one file.');
    // workers 0: decode from this thread through libvips
    super(path.join(__dirname, 'image-decode-worker.js'), options, 'files');
    this.transform = options.transform;
    this.decoder = new SkippingDecoder(entries.length, (i) => entries[i].file, this.skips, (e): e is ImageDecodeError => isBadInput(e, ImageDecodeError), options.scanned);
    if (!this.pool) sharp.concurrency(1);
  }

  /** Entry indices of batch position p (before bad files are replaced); the last sequential batch may be short. */
  indicesAt(p: number): number[] {
    const n = this.entries.length;
    if (this.order === 'sequential') {
      const start = p * this.batchSize;
      return Array.from({ length: Math.max(0, Math.min(this.batchSize, n - start)) }, (_, i) => start + i);
    }
    return sampleIndices(n, p * this.batchSize, this.batchSize, `${this.options.seed}:order`);
  }

  private decode(index: number, seed: string): Promise<ImageView> {
    const file = this.entries[index].file;
    return this.decodeJob({ file, transform: this.transform, seed }, () => transformImage(file, this.transform, new Rng(seed), file));
  }

  /** Make batch position p (no prefetching). */
  async makeBatch(p: number): Promise<ImageBytesBatch> {
    const idx = this.indicesAt(p);
    const { size, channels } = this.transform;
    const views = await Promise.all(idx.map((i, b) => this.decoder.decodeOrNext(i, (j) => this.decode(j, `${this.options.seed}:view:${p}:${b}`))));
    return packImageBatch(
      views.map(({ value }) => value), size, channels,
      views.map(({ index }) => this.entries[index].label), views.map(({ index }) => this.entries[index].file),
    );
  }
}
