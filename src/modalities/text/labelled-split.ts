/**
 * Labelled documents as fine-tuning reads them (spec §6 "Fine-tuning recipes",
 * text): each document `<s> … </s>` cut to `maxLength`, padded per batch, and the
 * encoder's token outputs with the padding mask, so pooling skips the padding.
 */
import * as tf from '@tensorflow/tfjs';
import { collateSequences, tokenBatchToTensors, wrapDocument } from '../../data/text-batch';
import { ClassifierInput, LabelledSplit } from '../recipe';
import { Module } from '../../nn/module';
import { TextData, requireLabels } from './text-data';

/** Encodes token ids [B, T] with their padding mask [B, T] (1 = pad) into token outputs [B, T, D]. */
export type TokenEncoderOf = (encoder: Module, tokens: tf.Tensor2D, paddingMask: tf.Tensor2D) => tf.Tensor;

/** The labelled split of `data` (throws one sentence when the corpus has no labels). */
export function textLabelledSplit(data: TextData, split: 'train' | 'test', maxLength: number, evalBatchSize: number, encode: TokenEncoderOf): LabelledSplit {
  const labels = requireLabels(data, split);
  const { specials } = data.tokenizer;
  const rows = data[split].ids.map((ids) => wrapDocument(ids, specials, maxLength));
  return {
    labels,
    evalBatchSize,
    batch: (indices: readonly number[]): ClassifierInput => {
      const t = tokenBatchToTensors(collateSequences(indices.map((i) => rows[i]), specials.pad));
      return { input: t.tokens, padMask: t.paddingMask };
    },
    encode: (encoder: Module, batch: ClassifierInput) => ({
      out: encode(encoder, batch.input as tf.Tensor2D, batch.padMask as tf.Tensor2D),
      padMask: batch.padMask,
    }),
  };
}
