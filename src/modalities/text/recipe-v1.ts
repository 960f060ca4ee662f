/**
 * The text data2vec 1.0 recipe (spec §1.4, §2.6, Appendix A v1): WordNet glosses (or
 * `--data PATH`) tokenised with byte-level BPE, rows per `text-rows.ts`, fairseq
 * `MaskTokensDataset` masking per micro-batch, the RoBERTa-style encoder inside
 * `Data2VecV1`, and, for probing, the final outputs mean-pooled over the non-padding
 * tokens of each document (`<s>` and `</s>` included) with the supersense labels.
 */
import { LabelledSplit, Recipe, RunOverrides, PretrainSetup } from '../../run/recipe';
import { applyOverrides, presetFor } from '../../run/overrides';
import { collateSequences } from '../../data/text-batch';
import { Data2VecV1, V1Batch } from '../../data2vec/data2vec-v1';
import { LabelledFeatures } from '../../eval/features';
import { Module } from '../../nn/module';
import { Rng } from '../../util/rng';
import { TextEncoderV1 } from './encoder-v1';
import { documentFeatures } from './document-features';
import { TextData, checkTextModelAndRows, loadTextData } from './text-data';
import { pretrainingRows } from './text-rows';
import { maskTextBatch, maskedTextToV1Batch } from './masked-batch-v1';
import { TEXT_V1_PRESETS, TextV1Config } from './presets-v1';
import { textLabelledSplit } from './labelled-split';

/** Throws one sentence when the config and the loaded tokenizer or sizes disagree. */
export function checkTextConfig(config: TextV1Config, data: TextData): void {
  checkTextModelAndRows(config.model, config.sequences, data);
  if (config.teacherInput !== 'unmasked' && config.teacherInput !== 'selectedOnly') {
    throw new Error(`teacherInput must be "unmasked" (paper) or "selectedOnly" (released code), got ${JSON.stringify(config.teacherInput)}.`);
  }
  if (config.masking.lossPositions !== 'maskReplaced' && config.masking.lossPositions !== 'selected') {
    throw new Error(`masking.lossPositions must be "maskReplaced" (released code) or "selected", got ${JSON.stringify(config.masking.lossPositions)}.`);
  }
}

/**
 * Document rows `<s> … </s>` ordered by length for feature extraction, padded per
 * batch; features come back in the split's own order.
 */
export function textFeatures(
  encoder: TextEncoderV1,
  config: TextV1Config,
  data: TextData,
  split: 'train' | 'test',
  onProgress?: (done: number, total: number) => void,
): LabelledFeatures {
  const options = { maxLength: config.sequences.maxLength, batchSize: config.evalBatchSize };
  return documentFeatures((tokens) => encoder.forward(tokens).out, data, split, options, onProgress);
}

export const textV1Recipe: Recipe<TextV1Config, TextData> = {
  modality: 'text',
  algo: 'v1',
  presets: Object.keys(TEXT_V1_PRESETS),

  config(preset: string, overrides: RunOverrides = {}): TextV1Config {
    return applyOverrides(presetFor(TEXT_V1_PRESETS, preset, 'text', 'v1'), overrides);
  },

  loadData: loadTextData,

  build(config: TextV1Config, data: TextData): PretrainSetup<V1Batch> {
    checkTextConfig(config, data);
    const model = new Data2VecV1((rng) => new TextEncoderV1(config.model, rng), config.data2vec, new Rng(`${config.seed}:init`));
    const { batchSize, accumulation } = config.trainer;
    const rows = pretrainingRows(data.train.ids, data.tokenizer.specials, config.sequences, { batchSize, accumulation, seed: config.seed });
    const batches = (update: number, micro: number): V1Batch => {
      const rng = new Rng(`${config.seed}:batch:${update}:${micro}`);
      const padded = collateSequences(rows(update, micro), data.tokenizer.specials.pad);
      return maskedTextToV1Batch(maskTextBatch(padded, data.tokenizer, config.masking, config.teacherInput, rng));
    };
    return { objective: model, batches, encoder: model.encoder };
  },

  features(encoder: Module, config: TextV1Config, data: TextData, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): LabelledFeatures {
    return textFeatures(encoder as TextEncoderV1, config, data, split, onProgress);
  },

  labelledSplit(config: TextV1Config, data: TextData, split: 'train' | 'test'): LabelledSplit {
    return textLabelledSplit(data, split, config.sequences.maxLength, config.evalBatchSize, (encoder, tokens) => (encoder as TextEncoderV1).forward(tokens).out);
  },
};
