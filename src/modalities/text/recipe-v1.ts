/**
 * The text data2vec 1.0 recipe (spec §1.4, §2.6, Appendix A v1): WordNet glosses (or
 * `--data PATH`) tokenised with byte-level BPE, rows per `text-rows.ts`, fairseq
 * `MaskTokensDataset` masking per micro-batch, the RoBERTa-style encoder inside
 * `Data2VecV1`, and, for probing, the final outputs mean-pooled over the non-padding
 * tokens of each document (`<s>` and `</s>` included) with the supersense labels.
 */
import { Rng } from '../../util/rng';
import { defineRecipe, v1Model } from '../define-recipe';
import { LabelledFeatures } from '../../eval/features';
import { TextEncoderV1 } from './encoder-v1';
import { documentFeatures } from './document-features';
import { TextData, checkTextModelAndRows, loadTextData, prepareTextData } from './text-data';
import { textV1Batches } from './batches';
import { textLabelledSplit } from './labelled-split';
import { TEXT_V1_PRESETS, TextV1Config } from './presets-v1';

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
): Promise<LabelledFeatures> {
  const options = { maxLength: config.sequences.maxLength, batchSize: config.evalBatchSize };
  return documentFeatures((tokens) => encoder.forward(tokens).out, data, split, options, onProgress);
}

/** `--modality text --algo v1`: presets tiny, tiny-released, small, base, base-released (see `presets-v1.ts`). */
export const textV1Recipe = defineRecipe({
  modality: 'text',
  algo: 'v1',
  presets: TEXT_V1_PRESETS,
  loadData: loadTextData,
  prepareData: prepareTextData,
  check: checkTextConfig,
  model: v1Model((config: TextV1Config, rng: Rng) => new TextEncoderV1(config.model, rng)),
  batches: (config: TextV1Config, data: TextData) => textV1Batches(config, data),
  features: (encoder, config, data, split, onProgress) => textFeatures(encoder as TextEncoderV1, config, data, split, onProgress),
  labelledSplit: (config, data, split) =>
    textLabelledSplit(data, split, config.sequences.maxLength, config.evalBatchSize, (encoder, tokens) => (encoder as TextEncoderV1).forward(tokens).out),
});
