/**
 * Streams speech pretraining batches from files (issue "real corpora"; spec
 * §2.1 batching): batch position p holds the clips `audioBatchPlan` gives it
 * (fairseq's length-ordered batches, from the lengths in the file headers),
 * decoded on worker threads, then normalised and cropped to the batch's
 * shortest clip capped at 320000 samples (`collateAudio`, seeded by p). A
 * `Prefetcher` keeps `prefetch` batches in production ahead of training; a file
 * that fails to decode is counted in the `SkipLog` and replaced by the next good one.
 * Each batch names the files its rows came from (after replacements), which the
 * non-finite guard's record reports.
 */
import * as path from 'path';
import { AudioEntry } from '../../data/audio-folder';
import { AudioBatch, DEFAULT_MAX_SAMPLE_SIZE, collateAudio } from '../../data/audio-batch';
import { SkippingDecoder } from '../../data/skipping-decoder';
import { StreamedSource, StreamedSourceOptions, isBadInput } from '../../data/streamed-source';
import { WavError } from '../../data/wav';
import { Rng } from '../../util/rng';
import { AudioDecodeJob } from './audio-decode-worker';
import { decodeAudioFile } from './decode-audio-file';
import { AudioBatching, audioBatchPlan } from './length-batches';

/** Options of `AudioStream`. */
export interface AudioStreamOptions extends StreamedSourceOptions {
  seed: number | string;
  /** Crop cap in samples. Default 320000 (20 s). */
  maxSampleSize?: number;
  /** Default `'by-length'`. */
  batching?: AudioBatching;
  /** Resample files at other rates. Default false. */
  resample?: boolean;
}

/** A streamed speech batch: the collated rows and the file (or `shard.tar:key` member) each row came from. */
export interface StreamedAudioBatch extends AudioBatch {
  files: string[];
}

export class AudioStream extends StreamedSource<AudioDecodeJob, Float32Array, StreamedAudioBatch> {
  private readonly decoder: SkippingDecoder<Float32Array>;
  private readonly plan: (position: number) => number[];

  constructor(readonly entries: readonly AudioEntry[], readonly batchSize: number, readonly options: AudioStreamOptions) {
    super(path.join(__dirname, 'audio-decode-worker.js'), options, 'files');
    this.decoder = new SkippingDecoder(entries.length, (i) => entries[i].file, this.skips, (e): e is WavError => isBadInput(e, WavError), options.scanned);
    this.plan = audioBatchPlan(entries.map((e) => e.samples), batchSize, options.batching ?? 'by-length', options.seed);
  }

  private decode(index: number): Promise<Float32Array> {
    const file = this.entries[index].file;
    const resample = this.options.resample ?? false;
    return this.decodeJob({ file, resample }, () => decodeAudioFile(file, resample));
  }

  /** Batch position p without prefetching. */
  async makeBatch(p: number): Promise<StreamedAudioBatch> {
    const decoded = await Promise.all(this.plan(p).map((i) => this.decoder.decodeOrNext(i, (j) => this.decode(j))));
    const clips = decoded.map(({ value, index }) => ({ samples: value, label: this.entries[index].label }));
    const batch = collateAudio(clips, new Rng(`${this.options.seed}:crop:${p}`), { maxSampleSize: this.options.maxSampleSize ?? DEFAULT_MAX_SAMPLE_SIZE });
    return { ...batch, files: decoded.map(({ index }) => this.entries[index].file) };
  }
}
