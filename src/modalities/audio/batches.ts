/**
 * The speech pretraining micro-batches, v1 and v2 (spec §2.1, §2.2, §2.5, trap 27):
 * the clips the size-ordered plan picks (`length-batches.ts`), cropped to the
 * shortest and normalised per utterance (`collateAudio`, with the micro-batch's
 * generator), then masked on the batch's frame count with the same generator: span
 * masks for v1 (the teacher sees the unmasked waveform), `clones` 1-D block masks
 * with exactly the same count for v2. Each source reports the clips (training-split
 * indices and files) of the micro-batches it drew.
 */
import * as tf from '@tensorflow/tfjs';
import { AudioClip } from '../../data/audio-dataset';
import { AudioBatch, collateAudio } from '../../data/audio-batch';
import { SpanMask1dOptions, spanMask1d } from '../../masking/span-mask-1d';
import { BlockMask1dOptions, blockMask1d } from '../../masking/block-mask-1d';
import { cloneMasks } from '../../masking/multi-mask';
import { V1Batch } from '../../data2vec/data2vec-v1';
import { V2Batch } from '../../data2vec/data2vec-v2';
import { makeMaskInfo } from '../../data2vec/v2-mask-info';
import { Rng } from '../../util/rng';
import { BatchSamples, SampledDraw, sampledDraw } from '../../util/drawn-samples';
import { AudioBatching, audioBatchPlan } from './length-batches';
import { withPrepare } from '../../data/streamed-batches';
import type { AudioSource } from './speech-corpus';

/** What the speech batches read from a run config. */
export interface AudioBatchConfig {
  seed: number;
  audio: { maxSampleSize: number; batching: AudioBatching };
  trainer: { batchSize: number; accumulation: number };
}

/** Anything that maps a waveform length in samples to its frame count (the feature CNN). */
export interface FrameCounter {
  outputLength(samples: number): number;
}

/**
 * Micro-batch (update, micro) of a speech run: the clips the size-ordered plan picks,
 * cropped to the shortest and normalised (`collateAudio`, drawn with `rng`), and which
 * clips they are (indices in the training split and their files).
 */
export function audioMicroBatches(config: AudioBatchConfig, clips: readonly AudioClip[]): (update: number, micro: number, rng: Rng) => { raw: AudioBatch; samples: BatchSamples } {
  const { batchSize, accumulation } = config.trainer;
  const plan = audioBatchPlan(clips.map((c) => c.samples.length), batchSize, config.audio.batching, config.seed);
  return (update, micro, rng) => {
    const indices = plan(update * accumulation + micro);
    const batch = collateAudio(indices.map((i) => clips[i]), rng, { maxSampleSize: config.audio.maxSampleSize });
    return { raw: batch, samples: { clips: indices, files: indices.map((i) => clips[i].file) } };
  };
}

/** The clips of each micro-batch from memory (indices and files) or from a stream (the samples it reports). */
function clipsOrStream(config: AudioBatchConfig, clips: readonly AudioClip[], stream?: AudioSource): (update: number, micro: number, rng: Rng) => { raw: AudioBatch; samples: BatchSamples } {
  if (!stream) return audioMicroBatches(config, clips);
  return (update, micro, rng) => ({ raw: stream(update, micro, rng), samples: stream.samples?.(update, micro) ?? {} });
}

/** v1 micro-batches: the collated waveforms and a span mask on their frames; `stream` (a streamed corpus) replaces `clips`. */
export function audioV1Batches(config: AudioBatchConfig & { masking: Omit<SpanMask1dOptions, 'validLengths'> }, clips: readonly AudioClip[], encoder: FrameCounter, stream?: AudioSource): SampledDraw<V1Batch> & { prepare?: (update: number) => Promise<void> } {
  return withPrepare(sampledDraw(clipsOrStream(config, clips, stream), (batch: AudioBatch, rng: Rng): V1Batch => {
    const frames = encoder.outputLength(batch.length);
    const m = spanMask1d({ batch: batch.batch, length: frames }, rng, config.masking);
    const waveform = tf.tensor2d(batch.waveforms, [batch.batch, batch.length]);
    const mask = tf.tensor2d(Float32Array.from(m.data), [batch.batch, frames]);
    return { studentInput: waveform, teacherInput: waveform, mask, lossMask: mask };
  }), stream);
}

/** v2 micro-batches: the collated waveforms and `clones` block masks per clip on their frames; `stream` (a streamed corpus) replaces `clips`. */
export function audioV2Batches(config: AudioBatchConfig & { masking: BlockMask1dOptions; data2vec: { clones: number } }, clips: readonly AudioClip[], encoder: FrameCounter, stream?: AudioSource): SampledDraw<V2Batch> & { prepare?: (update: number) => Promise<void> } {
  const { clones } = config.data2vec;
  return withPrepare(sampledDraw(clipsOrStream(config, clips, stream), (batch: AudioBatch, rng: Rng): V2Batch => {
    const frames = encoder.outputLength(batch.length);
    const masks = cloneMasks(batch.batch, clones, (m, r) => blockMask1d({ batch: m, length: frames }, r, config.masking), rng);
    return { input: tf.tensor2d(batch.waveforms, [batch.batch, batch.length]), mask: makeMaskInfo(masks, clones) };
  }), stream);
}
