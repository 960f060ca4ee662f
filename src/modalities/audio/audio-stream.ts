/**
 * Streams speech pretraining batches from files (issue "real corpora"; spec
 * §2.1 batching): batch position p holds the clips `audioBatchPlan` gives it
 * (fairseq's length-ordered batches, from the lengths in the file headers),
 * decoded on worker threads, then normalised and cropped to the batch's
 * shortest clip capped at 320000 samples (`collateAudio`, seeded by p). A
 * `Prefetcher` keeps `prefetch` batches in production ahead of training; a file
 * that fails to decode is counted in the `SkipLog` and replaced by the next good one.
 */
import * as path from 'path';
import { AudioEntry } from '../../data/audio-folder';
import { AudioBatch, DEFAULT_MAX_SAMPLE_SIZE, collateAudio } from '../../data/audio-batch';
import { Prefetcher } from '../../data/prefetch';
import { SkipLog } from '../../data/skip-log';
import { SkippingDecoder } from '../../data/skipping-decoder';
import { WavError } from '../../data/wav';
import { WorkerJobError, WorkerPool } from '../../data/worker-pool';
import { Rng } from '../../util/rng';
import { AudioDecodeJob } from './audio-decode-worker';
import { decodeAudioFile } from './decode-audio-file';
import { AudioBatching, audioBatchPlan } from './length-batches';

/** Options of `AudioStream`. */
export interface AudioStreamOptions {
  seed: number | string;
  /** Crop cap in samples. Default 320000 (20 s). */
  maxSampleSize?: number;
  /** Default `'by-length'`. */
  batching?: AudioBatching;
  /** Resample files at other rates. Default false. */
  resample?: boolean;
  /** Worker threads (0: decode on this thread). Default 1. */
  workers?: number;
  /** Batches produced ahead. Default 2. */
  prefetch?: number;
  skips?: SkipLog;
}

export class AudioStream {
  private readonly pool?: WorkerPool<AudioDecodeJob, Float32Array>;
  private readonly decoder: SkippingDecoder<Float32Array>;
  private readonly plan: (position: number) => number[];
  private readonly prefetcher: Prefetcher<AudioBatch>;
  readonly skips: SkipLog;

  constructor(readonly entries: readonly AudioEntry[], readonly batchSize: number, readonly options: AudioStreamOptions) {
    this.skips = options.skips ?? new SkipLog('files');
    const isFileError = (e: unknown): e is WavError => e instanceof WavError || (e instanceof WorkerJobError && e.kind !== 'error');
    this.decoder = new SkippingDecoder(entries.length, (i) => entries[i].file, this.skips, isFileError);
    this.plan = audioBatchPlan(entries.map((e) => e.samples), batchSize, options.batching ?? 'by-length', options.seed);
    const workers = options.workers ?? 1;
    if (workers > 0) this.pool = new WorkerPool(path.join(__dirname, 'audio-decode-worker.js'), workers);
    this.prefetcher = new Prefetcher((p) => this.makeBatch(p), options.prefetch ?? 2);
  }

  /** Milliseconds the last `batch` call waited. */
  get lastWaitMs(): number {
    return this.prefetcher.lastWaitMs;
  }

  private decode(index: number): Promise<Float32Array> {
    const file = this.entries[index].file;
    const resample = this.options.resample ?? false;
    return this.pool ? this.pool.run({ file, resample }) : decodeAudioFile(file, resample);
  }

  /** Batch position p without prefetching. */
  async makeBatch(p: number): Promise<AudioBatch> {
    const decoded = await Promise.all(this.plan(p).map((i) => this.decoder.decodeOrNext(i, (j) => this.decode(j))));
    const clips = decoded.map(({ value, index }) => ({ samples: value, label: this.entries[index].label }));
    return collateAudio(clips, new Rng(`${this.options.seed}:crop:${p}`), { maxSampleSize: this.options.maxSampleSize ?? DEFAULT_MAX_SAMPLE_SIZE });
  }

  /** Batch position p, prefetching the next ones. */
  batch(p: number): Promise<AudioBatch> {
    return this.prefetcher.take(p);
  }

  close(): Promise<void> {
    return this.pool?.close() ?? Promise.resolve();
  }
}
