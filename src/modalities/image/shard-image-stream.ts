/**
 * Image pretraining batches from WebDataset `.tar` shards (issue "shards for
 * scale"; spec §2.4 views): samples are read shard after shard through a
 * seeded shuffle buffer, the image member (`jpg`, `jpeg`, `png` or `webp`)
 * decoded and augmented on worker threads, the label read from a `cls` member
 * when present. Each epoch reads the shards in a new seeded order. Batches come
 * in order (position 0, 1, …; a resume reads and discards the samples before
 * its position), prefetched `prefetch` ahead. Samples without an image or
 * whose image does not decode are counted as skipped.
 */
import * as path from 'path';
import { ShardEpochs } from '../../data/shard-epochs';
import { StreamedSource, StreamedSourceOptions, isBadInput } from '../../data/streamed-source';
import { ShardSample, sampleClass } from '../../data/tar-shards';
import { Rng } from '../../util/rng';
import { ImageDecodeJob } from './image-decode-worker';
import { ImageBytesBatch, packImageBatch } from './image-stream';
import { ImageDecodeError, ImageTransform, ImageView, transformImage } from './image-transform';

/** Options of `ShardImageStream`. */
export interface ShardImageStreamOptions extends StreamedSourceOptions {
  transform: ImageTransform;
  seed: number | string;
  /** Samples in the shuffle buffer. Default 1000. */
  shuffle?: number;
}

const IMAGE_EXTS = ['jpg', 'jpeg', 'png', 'webp'];

export class ShardImageStream extends StreamedSource<ImageDecodeJob, ImageView, ImageBytesBatch> {
  private readonly samples: ShardEpochs;
  private next = 0;

  constructor(readonly shards: readonly string[], readonly batchSize: number, readonly options: ShardImageStreamOptions) {
    super(path.join(__dirname, 'image-decode-worker.js'), options, 'samples', true);
    this.samples = new ShardEpochs(shards, options.seed, options.shuffle ?? 1000, this.skips);
  }

  /** The next sample of the endless, epoch-by-epoch shuffled stream. */
  private pull(): Promise<ShardSample> {
    return this.samples.next();
  }

  private decode(sample: ShardSample, seed: string): Promise<ImageView> {
    const ext = IMAGE_EXTS.find((e) => sample.files.has(e));
    const file = `${sample.shard}:${sample.key}`;
    if (!ext) return Promise.reject(new ImageDecodeError(file, 'sample without an image', `${file} has no jpg, png or webp member.`));
    const bytes = sample.files.get(ext)!;
    return this.decodeJob({ file, bytes, transform: this.options.transform, seed }, () => transformImage(bytes, this.options.transform, new Rng(seed), file));
  }

  /** A replacement for slot (p, b): pulls until a sample decodes, counting the rest as skipped. */
  private async refill(p: number, b: number): Promise<{ view: ImageView; sample: ShardSample }> {
    for (;;) {
      const sample = await this.pull();
      try {
        const view = await this.decode(sample, `${this.options.seed}:view:${p}:${b}`);
        this.skips.ok();
        return { view, sample };
      } catch (e) {
        if (!isBadInput(e, ImageDecodeError)) throw e;
        this.skips.skip(`${sample.shard}:${sample.key}`, (e as ImageDecodeError).kind, e.message);
      }
    }
  }

  /**
   * Batch p. Batches are made one after another (`inOrder`), so the samples
   * each takes, refills included, depend only on the seed; within a batch the
   * images decode in parallel on the workers.
   */
  protected async makeBatch(p: number): Promise<ImageBytesBatch> {
    for (; this.next < p; this.next++) for (let b = 0; b < this.batchSize; b++) await this.pull();
    this.next = p + 1;
    const samples: ShardSample[] = [];
    for (let b = 0; b < this.batchSize; b++) samples.push(await this.pull());
    const { size, channels } = this.options.transform;
    const first = await Promise.allSettled(samples.map((s, b) => this.decode(s, `${this.options.seed}:view:${p}:${b}`)));
    const decoded: { view: ImageView; sample: ShardSample }[] = [];
    for (let b = 0; b < samples.length; b++) {
      const r = first[b];
      if (r.status === 'fulfilled') {
        this.skips.ok();
        decoded.push({ view: r.value, sample: samples[b] });
        continue;
      }
      const e = r.reason as Error & { kind?: string };
      if (!isBadInput(e, ImageDecodeError)) throw e;
      this.skips.skip(`${samples[b].shard}:${samples[b].key}`, e.kind!, e.message);
      decoded.push(await this.refill(p, b));
    }
    return packImageBatch(
      decoded.map(({ view }) => view), size, channels,
      decoded.map(({ sample }) => sampleClass(sample)), decoded.map(({ sample }) => `${sample.shard}:${sample.key}`),
    );
  }
}
