/**
 * The text data2vec 2.0 recipe (spec §1.4 "v2", §2.5–2.6, §4.2, §5.2–5.3, Appendix A
 * v2): WordNet glosses (or `--data PATH`) tokenised with byte-level BPE, rows per
 * `text-rows.ts` (one gloss per row, or full blocks in `base`), M random masks per row
 * with exactly the same count and no padding masked (`random-mask-v2.ts`), the shared
 * v2 model with the text modality encoder and `Decoder1d` (two-layer projection), and,
 * for probing, the final-block outputs mean-pooled over each document's tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { defineRecipe, v2Model } from '../define-recipe';
import { Module } from '../../nn/module';
import { V2Backbone } from '../../data2vec/v2-backbone';
import { Decoder1d } from '../../nn/decoder-1d';
import { Rng } from '../../util/rng';
import { TextEncoderV2, textBackboneV2 } from './encoder-v2';
import { initBertLinears } from '../../nn/init-bert';
import { TextData, checkTextModelAndRows, loadTextData, prepareTextData } from './text-data';
import { textV2Batches } from './batches';
import { documentFeatures } from './document-features';
import { textLabelledSplit } from './labelled-split';
import { TEXT_V2_PRESETS, TextV2Config } from './presets-v2';

/** Throws one sentence when the config and the loaded tokenizer or sizes disagree. */
export function checkTextV2Config(config: TextV2Config, data: TextData): void {
  checkTextModelAndRows(config.model, config.sequences, data);
  if (!(config.masking.maskProb > 0 && config.masking.maskProb < 1)) {
    throw new Error(`masking.maskProb is ${config.masking.maskProb}; it must be between 0 and 1 (0.48 in the reference).`);
  }
}

/** `--modality text --algo v2`: presets tiny, small, base (see `presets-v2.ts`). */
export const textV2Recipe = defineRecipe({
  modality: 'text',
  algo: 'v2',
  presets: TEXT_V2_PRESETS,
  loadData: loadTextData,
  prepareData: prepareTextData,
  check: checkTextV2Config,
  model: v2Model(
    (config: TextV2Config, rng: Rng) => textBackboneV2(config.model, rng),
    // N(0, 0.02) linears in the decoder too
    (config: TextV2Config, rng: Rng) => {
      const d = new Decoder1d(config.decoder, config.model.dim, rng);
      initBertLinears(d, rng);
      return d;
    },
  ),
  batches: (config: TextV2Config, data: TextData) => textV2Batches(config, data),
  features(encoder, config, data, split, onProgress) {
    const enc = encoder as V2Backbone<TextEncoderV2>;
    const encode = (tokens: tf.Tensor2D, paddingMask: tf.Tensor2D) => enc.forward(tokens, { padMask: paddingMask }).out;
    return documentFeatures(encode, data, split, { maxLength: config.sequences.maxLength, batchSize: config.evalBatchSize }, onProgress);
  },
  labelledSplit(config, data, split) {
    const encode = (encoder: Module, tokens: tf.Tensor2D, padMask: tf.Tensor2D) => (encoder as V2Backbone<TextEncoderV2>).forward(tokens, { padMask }).out;
    return textLabelledSplit(data, split, config.sequences.maxLength, config.evalBatchSize, encode);
  },
});

/** The v2 text model of a config (random init from `config.seed`; N(0, 0.02) linears in the decoder too). */
export const buildTextV2 = (config: TextV2Config) => textV2Recipe.model(config);
