/**
 * Speech pretraining batches from WebDataset `.tar` shards (issue "shards for
 * scale"; spec §2.1 batching): samples with a `flac` or `wav` member are read
 * shard after shard through a seeded shuffle buffer (`ShardEpochs`). Lengths
 * come from the FLAC STREAMINFO header (WAV members are decoded for theirs),
 * so, as fairseq's size-ordered batches do for a listed corpus, each window
 * of `window` batches is sorted by length (ties in seeded order), cut into
 * batches, and the batches visited in a seeded order; leftovers open the next
 * window. Clips outside [minSamples, maxSamples] are left out, as the folder
 * reader does. Batch clips decode on worker threads and are cropped to the
 * shortest (`collateAudio`, seeded by the batch position). Samples without
 * audio, or whose audio is unreadable, are counted as skipped and replaced by
 * the next good sample; a member at another rate stops the run naming it
 * unless `resample`. Each batch names its rows' members (`shard.tar:key.ext`).
 */
import * as path from 'path';
import { DEFAULT_MAX_SAMPLE_SIZE, collateAudio } from '../../data/audio-batch';
import { parseFlacInfo } from '../../data/flac';
import { ShardEpochs } from '../../data/shard-epochs';
import { StreamedSource, StreamedSourceOptions, isBadInput } from '../../data/streamed-source';
import { sampleClass } from '../../data/tar-shards';
import { MODEL_SAMPLE_RATE, WavError, WavErrorKind, describeWavErrorKind } from '../../data/wav';
import { Rng } from '../../util/rng';
import { AudioDecodeJob } from './audio-decode-worker';
import { decodeAudioBytes } from './decode-audio-file';
import type { StreamedAudioBatch } from './audio-stream';

/** Options of `ShardAudioStream`. */
export interface ShardAudioStreamOptions extends StreamedSourceOptions {
  seed: number | string;
  /** Crop cap in samples. Default 320000 (20 s). */
  maxSampleSize?: number;
  /** Shortest clip kept. Default 32000 (2 s, fairseq `min_sample_size`). */
  minSamples?: number;
  /** Longest clip kept. Default: no limit. */
  maxSamples?: number;
  /** Resample members at other rates. Default false. */
  resample?: boolean;
  /** Samples in the shuffle buffer. Default 1000. */
  shuffle?: number;
  /** Batches per length-sorted window. Default 16. */
  window?: number;
}

/** A sample's audio member, its name for messages, and its length in samples at 16 kHz. */
interface Clip {
  name: string;
  bytes: Uint8Array;
  samples: number;
  label: number;
}

/** A decoded clip and its member name (`shard.tar:key.ext`). */
interface DecodedClip {
  samples: Float32Array;
  label: number;
  name: string;
}

/** The skip log's words for a decode error's kind. */
const kindOf = (e: { kind: string }): string => describeWavErrorKind(e.kind as WavErrorKind) ?? e.kind;

export class ShardAudioStream extends StreamedSource<AudioDecodeJob, Float32Array, StreamedAudioBatch> {
  private readonly samples: ShardEpochs;
  private readonly ready: Clip[][] = [];
  private carried: Clip[] = [];
  private windows = 0;
  private next = 0;
  /** Clips left out for length. */
  outOfRange = 0;

  constructor(readonly shards: readonly string[], readonly batchSize: number, readonly options: ShardAudioStreamOptions) {
    super(path.join(__dirname, 'audio-decode-worker.js'), options, 'samples', true);
    this.samples = new ShardEpochs(shards, options.seed, options.shuffle ?? 1000, this.skips);
  }

  /** The next sample with a readable header and a length in range, counting the rest. */
  private async nextClip(): Promise<Clip> {
    for (;;) {
      const sample = await this.samples.next();
      const ext = ['flac', 'wav'].find((e) => sample.files.has(e));
      const name = `${sample.shard}:${sample.key}.${ext ?? 'flac'}`;
      if (!ext) {
        this.skips.skip(name, 'sample without audio', `${sample.shard}:${sample.key} has no flac or wav member.`);
        continue;
      }
      const bytes = sample.files.get(ext)!;
      let samples: number;
      try {
        samples = await this.lengthOf(bytes, name);
      } catch (e) {
        if (!(e instanceof WavError)) throw e;
        if (e.kind === 'wrong-sample-rate') throw new Error(e.message);
        this.skips.skip(name, kindOf(e), e.message);
        continue;
      }
      if (samples < (this.options.minSamples ?? 32000) || samples > (this.options.maxSamples ?? Infinity)) {
        this.outOfRange++;
        continue;
      }
      return { name, bytes, samples, label: sampleClass(sample) };
    }
  }

  /** Length at 16 kHz from the FLAC header, or from decoding a WAV member. */
  private async lengthOf(bytes: Uint8Array, name: string): Promise<number> {
    if (!name.endsWith('.flac')) return (await decodeAudioBytes(bytes, name, this.options.resample ?? false)).length;
    const info = parseFlacInfo(bytes, name);
    if (info.sampleRate !== MODEL_SAMPLE_RATE && !this.options.resample) {
      throw new WavError(name, 'wrong-sample-rate', `${name} is sampled at ${info.sampleRate} Hz, not ${MODEL_SAMPLE_RATE}; resample the corpus to 16 kHz or pass --resample.`);
    }
    if (info.totalSamples === 0) throw new WavError(name, 'empty', `${name} declares no samples; re-create the shard.`);
    return Math.floor((info.totalSamples * MODEL_SAMPLE_RATE) / info.sampleRate);
  }

  /** Read one window of clips, sort it by length and queue its batches in a seeded order. */
  private async fillWindow(): Promise<void> {
    const rng = new Rng(`${this.options.seed}:length-window:${this.windows++}`);
    const clips = this.carried;
    while (clips.length < (this.options.window ?? 16) * this.batchSize) clips.push(await this.nextClip());
    const tieBreak = rng.permutation(clips.length);
    const order = clips.map((_, i) => i).sort((a, b) => clips[a].samples - clips[b].samples || tieBreak[a] - tieBreak[b]);
    const count = Math.floor(clips.length / this.batchSize);
    const batches = Array.from({ length: count }, (_, k) => order.slice(k * this.batchSize, (k + 1) * this.batchSize).map((i) => clips[i]));
    this.carried = order.slice(count * this.batchSize).map((i) => clips[i]);
    for (const k of rng.permutation(count)) this.ready.push(batches[k]);
  }

  private async nextBatchClips(): Promise<Clip[]> {
    while (this.ready.length === 0) await this.fillWindow();
    return this.ready.shift()!;
  }

  private decode(clip: Clip): Promise<Float32Array> {
    const resample = this.options.resample ?? false;
    return this.decodeJob({ file: clip.name, bytes: clip.bytes, resample }, () => decodeAudioBytes(clip.bytes, clip.name, resample));
  }

  /** Batch p (batches are made in order; a resume reads and discards the clips before it without decoding them). */
  protected async makeBatch(p: number): Promise<StreamedAudioBatch> {
    for (; this.next < p; this.next++) await this.nextBatchClips();
    this.next = p + 1;
    const clips = await this.nextBatchClips();
    const first = await Promise.allSettled(clips.map((c) => this.decode(c)));
    const decoded: DecodedClip[] = [];
    for (let b = 0; b < clips.length; b++) {
      const r = first[b];
      if (r.status === 'fulfilled') {
        this.skips.ok();
        decoded.push({ samples: r.value, label: clips[b].label, name: clips[b].name });
        continue;
      }
      const e = r.reason as Error;
      if (!isBadInput(e, WavError)) throw e;
      this.skips.skip(clips[b].name, kindOf(e), e.message);
      decoded.push(await this.refill());
    }
    const batch = collateAudio(decoded, new Rng(`${this.options.seed}:crop:${p}`), { maxSampleSize: this.options.maxSampleSize ?? DEFAULT_MAX_SAMPLE_SIZE });
    return { ...batch, files: decoded.map((d) => d.name) };
  }

  /** The next clip that decodes, counting the ones that do not. */
  private async refill(): Promise<DecodedClip> {
    for (;;) {
      const clip = await this.nextClip();
      try {
        const samples = await this.decode(clip);
        this.skips.ok();
        return { samples, label: clip.label, name: clip.name };
      } catch (e) {
        if (!isBadInput(e, WavError)) throw e;
        this.skips.skip(clip.name, kindOf(e), e.message);
      }
    }
  }
}
