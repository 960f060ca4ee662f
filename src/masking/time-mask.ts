/**
 * Time-step masking of speech while fine-tuning (spec §6 "Fine-tuning recipes",
 * speech: the wav2vec 2.0 CTC recipes keep masking during fine-tuning, `mask_prob`
 * 0.65 / `mask_length` 10 for 10 minutes of labels, SpecAugment-like). Spans are drawn
 * as in pretraining (fairseq `compute_mask_indices`, {@link spanMask1d}), here with
 * `min_masks` 0 so that short clips may stay whole, and the masked frames are hidden
 * the way each encoder hides them in pretraining, without dropping them: data2vec 1.0
 * replaces them by its learned mask embedding, data2vec 2.0 zeroes them
 * (`encoder_zero_mask`) before the positional conv. Evaluation never masks.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { spanMask1d } from './span-mask-1d';
import { Rng } from '../util/rng';

/** Masking of time steps during fine-tuning (wav2vec 2.0 `mask_prob`, `mask_length`). */
export interface TimeMaskOptions {
  /** Span-start density: about prob·T/length spans per clip (overlaps merge, so a little less than `prob` of the frames end up masked). */
  prob: number;
  /** Frames per span. */
  length: number;
}

/** A [batch, frames] float mask (1 = masked) of spans drawn from `rng`; every row masks the same number of frames (`require_same_masks`). */
export function drawTimeMask(batch: number, frames: number, options: TimeMaskOptions, rng: Rng): tf.Tensor2D {
  const mask = spanMask1d({ batch, length: frames }, rng, { maskProb: options.prob, maskLength: options.length, minMasks: 0 });
  return tf.tensor2d(Float32Array.from(mask.data), [batch, frames]);
}

/** The data2vec 1.0 speech encoder as fine-tuning masks it (its mask embedding replaces the masked frames). */
interface MaskEmbeddingEncoder {
  outputLength(samples: number): number;
  forward(waveform: tf.Tensor, inputs: { mask?: tf.Tensor }): { out: tf.Tensor };
}

/** The data2vec 2.0 speech backbone as fine-tuning masks it (masked local features zeroed, nothing dropped). */
interface ZeroMaskBackbone {
  modality: { outputLength(samples: number): number; localFeatures(waveform: tf.Tensor): tf.Tensor; contextualize(local: tf.Tensor): unknown };
  run(ctx: unknown): { out: tf.Tensor };
}

function isBackbone(encoder: unknown): encoder is ZeroMaskBackbone {
  return typeof (encoder as ZeroMaskBackbone).run === 'function' && typeof (encoder as ZeroMaskBackbone).modality?.localFeatures === 'function';
}

/** Frames a speech encoder produces for `samples` samples. */
export function speechFrames(encoder: Module, samples: number): number {
  return isBackbone(encoder) ? encoder.modality.outputLength(samples) : (encoder as unknown as MaskEmbeddingEncoder).outputLength(samples);
}

/** Token outputs [B, T, D] of a speech encoder for waveforms [B, L] with time steps `mask` [B, T] hidden (see the file header). */
export function maskedSpeechForward(encoder: Module, waveform: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  if (isBackbone(encoder)) {
    const local = encoder.modality.localFeatures(waveform);
    const zeroed = tf.mul(local, tf.sub(1, mask).expandDims(-1));
    return encoder.run(encoder.modality.contextualize(zeroed)).out;
  }
  return (encoder as unknown as MaskEmbeddingEncoder).forward(waveform, { mask }).out;
}
