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
import { Prefetcher } from '../../data/prefetch';
import { SkipLog } from '../../data/skip-log';
import { ShardSample, readShards, shuffleBuffer } from '../../data/tar-shards';
import { WorkerJobError, WorkerPool } from '../../data/worker-pool';
import { Rng } from '../../util/rng';
import { ImageDecodeJob } from './image-decode-worker';
import { ImageBytesBatch } from './image-stream';
import { ImageDecodeError, ImageTransform, ImageView, transformImage } from './image-transform';

/** Options of `ShardImageStream`. */
export interface ShardImageStreamOptions {
  transform: ImageTransform;
  seed: number | string;
  /** Samples in the shuffle buffer. Default 1000. */
  shuffle?: number;
  workers?: number;
  prefetch?: number;
  skips?: SkipLog;
}

const IMAGE_EXTS = ['jpg', 'jpeg', 'png', 'webp'];

/** The class index in a sample's `cls` member, or -1. */
function classOf(sample: ShardSample): number {
  const cls = sample.files.get('cls');
  const n = cls ? Number.parseInt(Buffer.from(cls).toString('utf8').trim(), 10) : NaN;
  return Number.isInteger(n) ? n : -1;
}

export class ShardImageStream {
  private readonly pool?: WorkerPool<ImageDecodeJob, ImageView>;
  private readonly prefetcher: Prefetcher<ImageBytesBatch>;
  private samples: AsyncIterator<ShardSample> | undefined;
  private epoch = -1;
  private next = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** Shards and samples skipped. */
  readonly skips: SkipLog;

  constructor(readonly shards: readonly string[], readonly batchSize: number, readonly options: ShardImageStreamOptions) {
    if (shards.length === 0) throw new Error('a shard stream needs at least one .tar shard.');
    this.skips = options.skips ?? new SkipLog('samples');
    const workers = options.workers ?? 1;
    if (workers > 0) this.pool = new WorkerPool(path.join(__dirname, 'image-decode-worker.js'), workers);
    this.prefetcher = new Prefetcher((p) => this.produce(p), options.prefetch ?? 2);
  }

  get lastWaitMs(): number {
    return this.prefetcher.lastWaitMs;
  }

  /** The next sample of the endless, epoch-by-epoch shuffled stream. */
  private async pull(): Promise<ShardSample> {
    for (let empty = 0; empty < 2; ) {
      if (this.samples) {
        const r = await this.samples.next();
        if (!r.done) return r.value;
      }
      this.epoch++;
      const rng = new Rng(`${this.options.seed}:shards:${this.epoch}`);
      const order = rng.permutation(this.shards.length).map((i) => this.shards[i]);
      const before = this.skips.seen;
      this.samples = shuffleBuffer(readShards(order, this.skips), this.options.shuffle ?? 1000, rng)[Symbol.asyncIterator]();
      if (this.epoch > 0 && this.skips.seen === before) empty++;
    }
    throw new Error(`the shards ${this.shards.slice(0, 3).join(', ')}… hold no samples.`);
  }

  private decode(sample: ShardSample, seed: string): Promise<ImageView> {
    const ext = IMAGE_EXTS.find((e) => sample.files.has(e));
    const file = `${sample.shard}:${sample.key}`;
    if (!ext) return Promise.reject(new ImageDecodeError(file, 'sample without an image', `${file} has no jpg, png or webp member.`));
    const bytes = sample.files.get(ext)!;
    if (!this.pool) return transformImage(bytes, this.options.transform, new Rng(seed), file);
    return this.pool.run({ file, bytes, transform: this.options.transform, seed });
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
        if (!(e instanceof ImageDecodeError || (e instanceof WorkerJobError && e.kind !== 'error'))) throw e;
        this.skips.skip(`${sample.shard}:${sample.key}`, (e as ImageDecodeError).kind, e.message);
      }
    }
  }

  /**
   * Batch p. Batches are made one after another (a chain), so the samples each
   * takes, refills included, depend only on the seed; within a batch the
   * images decode in parallel on the workers.
   */
  private produce(p: number): Promise<ImageBytesBatch> {
    const made = this.chain.then(() => this.makeBatch(p));
    this.chain = made.catch(() => undefined);
    return made;
  }

  private async makeBatch(p: number): Promise<ImageBytesBatch> {
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
      if (!(e instanceof ImageDecodeError || (e instanceof WorkerJobError && e.kind !== 'error'))) throw e;
      this.skips.skip(`${samples[b].shard}:${samples[b].key}`, e.kind!, e.message);
      decoded.push(await this.refill(p, b));
    }
    const pixels = new Uint8Array(samples.length * size * size * channels);
    decoded.forEach(({ view }, b) => pixels.set(view.pixels, b * view.pixels.length));
    return {
      pixels, n: samples.length, size, channels,
      labels: Int32Array.from(decoded.map(({ sample }) => classOf(sample))),
      files: decoded.map(({ sample }) => `${sample.shard}:${sample.key}`),
    };
  }

  /** Batch position p (positions are read in order). */
  batch(p: number): Promise<ImageBytesBatch> {
    return this.prefetcher.take(p);
  }

  close(): Promise<void> {
    return this.pool?.close() ?? Promise.resolve();
  }
}
