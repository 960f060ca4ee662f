/**
 * The text data2vec 2.0 recipe (spec §1.4 "v2", §2.5–2.6, §4.2, §5.2–5.3, Appendix A
 * v2): WordNet glosses (or `--data PATH`) tokenised with byte-level BPE, rows per
 * `text-rows.ts` (one gloss per row, or full blocks in `base`), M random masks per row
 * with exactly the same count and no padding masked (`random-mask-v2.ts`), the shared
 * v2 model with the text modality encoder and `Decoder1d` (two-layer projection), and,
 * for probing, the final-block outputs mean-pooled over each document's tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { LabelledSplit, Recipe, RunOverrides, PretrainSetup } from '../../run/recipe';
import { applyOverrides, presetFor } from '../../run/overrides';
import { collateSequences, tokenBatchToTensors } from '../../data/text-batch';
import { Data2VecV2, V2Batch } from '../../data2vec/data2vec-v2';
import { makeMaskInfo } from '../../data2vec/v2-mask-info';
import { V2Backbone } from '../../data2vec/v2-backbone';
import { Decoder1d } from '../../nn/decoder-1d';
import { LabelledFeatures } from '../../eval/features';
import { Module } from '../../nn/module';
import { Rng } from '../../util/rng';
import { TextEncoderV2, textBackboneV2 } from './encoder-v2';
import { initBertLinears } from './init-bert-v2';
import { TextData, checkTextModelAndRows, loadTextData } from './text-data';
import { pretrainingRows } from './text-rows';
import { textRandomMasks } from './random-mask-v2';
import { documentFeatures } from './document-features';
import { TEXT_V2_PRESETS, TextV2Config } from './presets-v2';
import { textLabelledSplit } from './labelled-split';

/** Throws one sentence when the config and the loaded tokenizer or sizes disagree. */
export function checkTextV2Config(config: TextV2Config, data: TextData): void {
  checkTextModelAndRows(config.model, config.sequences, data);
  if (!(config.masking.maskProb > 0 && config.masking.maskProb < 1)) {
    throw new Error(`masking.maskProb is ${config.masking.maskProb}; it must be between 0 and 1 (0.48 in the reference).`);
  }
}

/** The v2 text model of a config (random init from `config.seed`; N(0, 0.02) linears in the decoder too). */
export function buildTextV2(config: TextV2Config): Data2VecV2<TextEncoderV2, Decoder1d> {
  return new Data2VecV2(
    (rng) => textBackboneV2(config.model, rng),
    (rng) => {
      const d = new Decoder1d(config.decoder, config.model.dim, rng);
      initBertLinears(d, rng);
      return d;
    },
    config.data2vec,
    new Rng(`${config.seed}:init`),
  );
}

/**
 * A batch source over row source `rows`: padded token rows, `clones` masks per row,
 * and the padding mask when the batch has any padding.
 */
export function textV2Batches(
  rows: (update: number, micro: number) => number[][],
  pad: number,
  clones: number,
  maskProb: number,
  seed: number,
): (update: number, micro: number) => V2Batch {
  return (update, micro) => {
    const rng = new Rng(`${seed}:batch:${update}:${micro}`);
    const padded = collateSequences(rows(update, micro), pad);
    const masks = textRandomMasks(padded.paddingMask, { batch: padded.batchSize, seqLen: padded.seqLen }, clones, maskProb, rng);
    const t = tokenBatchToTensors(padded);
    const anyPad = padded.paddingMask.some((v) => v > 0);
    if (!anyPad) t.paddingMask.dispose();
    return { input: t.tokens, mask: makeMaskInfo(masks, clones), padMask: anyPad ? t.paddingMask : undefined };
  };
}

export const textV2Recipe: Recipe<TextV2Config, TextData> = {
  modality: 'text',
  algo: 'v2',
  presets: Object.keys(TEXT_V2_PRESETS),

  config(preset: string, overrides: RunOverrides = {}): TextV2Config {
    return applyOverrides(presetFor(TEXT_V2_PRESETS, preset, 'text', 'v2'), overrides);
  },

  loadData: loadTextData,

  build(config: TextV2Config, data: TextData): PretrainSetup<V2Batch> {
    checkTextV2Config(config, data);
    const model = buildTextV2(config);
    const { batchSize, accumulation } = config.trainer;
    const rows = pretrainingRows(data.train.ids, data.tokenizer.specials, config.sequences, { batchSize, accumulation, seed: config.seed });
    const batches = textV2Batches(rows, data.tokenizer.specials.pad, config.data2vec.clones, config.masking.maskProb, config.seed);
    return { objective: model, batches, encoder: model.encoder };
  },

  features(encoder: Module, config: TextV2Config, data: TextData, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): LabelledFeatures {
    const enc = encoder as V2Backbone<TextEncoderV2>;
    const encode = (tokens: tf.Tensor2D, paddingMask: tf.Tensor2D) => enc.forward(tokens, { padMask: paddingMask }).out;
    return documentFeatures(encode, data, split, { maxLength: config.sequences.maxLength, batchSize: config.evalBatchSize }, onProgress);
  },

  labelledSplit(config: TextV2Config, data: TextData, split: 'train' | 'test'): LabelledSplit {
    const encode = (encoder: Module, tokens: tf.Tensor2D, padMask: tf.Tensor2D) => (encoder as V2Backbone<TextEncoderV2>).forward(tokens, { padMask }).out;
    return textLabelledSplit(data, split, config.sequences.maxLength, config.evalBatchSize, encode);
  },
};
