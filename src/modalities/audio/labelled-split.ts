/**
 * Spoken clips as fine-tuning reads them (spec §6 "Fine-tuning recipes", speech):
 * for evaluation each clip is encoded whole (batch 1), as the probe does, and
 * fine-tuning by default trains on the same view, one clip at a time
 * (`finetune/batches.ts`); with an `rng` a batch is instead cropped to its shortest
 * clip at random offsets and normalised per utterance, as in pretraining
 * (`collateAudio`). Training batches may hide time steps (`timeMask`, see
 * `masking/time-mask.ts`); the clip lengths let fine-tuning group clips of similar
 * length so that the crop keeps most of each clip.
 */
import * as tf from '@tensorflow/tfjs';
import { AudioClip } from '../../data/audio-dataset';
import { collateAudio, collateCentreCrop } from '../../data/audio-batch';
import { ClassifierInput, LabelledSplit } from '../recipe';
import { Module } from '../../nn/module';
import { Rng } from '../../util/rng';
import { WaveformEncoder } from './recipe-v1';
import { maskedSpeechForward, speechFrames } from '../../masking/time-mask';

/** The labelled split of `clips`, cropped to at most `maxSampleSize` samples. */
export function audioLabelledSplit(clips: readonly AudioClip[], maxSampleSize: number): LabelledSplit {
  return {
    labels: Int32Array.from(clips, (c) => c.label),
    evalBatchSize: 1,
    batch: (indices: readonly number[], rng?: Rng): ClassifierInput => {
      const chosen = indices.map((i) => clips[i]);
      const b = rng ? collateAudio(chosen, rng, { maxSampleSize }) : collateCentreCrop(chosen, { maxSampleSize });
      return { input: tf.tensor2d(b.waveforms, [b.batch, b.length]) };
    },
    encode: (encoder: Module, batch: ClassifierInput) => ({
      out: batch.timeMask ? maskedSpeechForward(encoder, batch.input, batch.timeMask) : (encoder as unknown as WaveformEncoder).forward(batch.input).out,
    }),
    lengths: clips.map((c) => Math.min(c.samples.length, maxSampleSize)),
    frames: (encoder: Module, batch: ClassifierInput) => speechFrames(encoder, batch.input.shape[1] as number),
  };
}
