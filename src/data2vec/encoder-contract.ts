/**
 * What the data2vec models need from a modality encoder (spec Appendix A): a
 * forward pass that takes the input and, for the student, a mask of positions
 * to replace by the mask embedding, and returns every block's results with
 * extra tokens (CLS) removed, so targets and predictions line up position by position.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { BlockOutput } from '../nn/transformer-block';

export interface EncoderResult {
  /** Final token representations [B, T, D] (extra tokens removed). */
  out: tf.Tensor;
  /** Each block's FFN and end-of-block outputs, [B, T, D] each, extra tokens removed. */
  layers: BlockOutput[];
  /** The CLS output [B, D], when the encoder has one. */
  cls?: tf.Tensor;
  /** [B, T], 1 at padding, when the input has padding. */
  padMask?: tf.Tensor;
}

export interface EncoderInputs {
  /** [B, T] with 1 at positions to replace by the mask embedding (data2vec 1.0 student). */
  mask?: tf.Tensor;
  /** [B, T] with 1 at padding. */
  padMask?: tf.Tensor;
}

/** A modality encoder usable as data2vec student and teacher. */
export interface MaskedEncoder extends Module {
  /** Model width D. */
  readonly dim: number;
  /** Number of transformer blocks that can provide targets. */
  readonly depth: number;
  forward(input: tf.Tensor, inputs?: EncoderInputs): EncoderResult;
}
