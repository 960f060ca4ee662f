/**
 * The text pretraining micro-batches, v1 and v2 (spec §2.6, §2.5): rows from
 * `text-rows.ts` (one document per row, or packed blocks) padded per batch
 * (`collateSequences`), then masked with the micro-batch's generator: fairseq
 * `MaskTokensDataset` for v1 (`masked-batch-v1.ts`), `clones` random masks per row
 * with the same count and no padding masked for v2 (`random-mask-v2.ts`). Each source
 * reports the documents (or blocks) of the micro-batches it drew.
 */
import { TokenBatch, collateSequences, tokenBatchToTensors } from '../../data/text-batch';
import { SpecialTokens, Tokenizer } from '../../data/tokenizer';
import { V1Batch } from '../../data2vec/data2vec-v1';
import { V2Batch } from '../../data2vec/data2vec-v2';
import { makeMaskInfo } from '../../data2vec/v2-mask-info';
import { Rng } from '../../util/rng';
import { BatchSamples, SampledDraw, sampledDraw } from '../../util/drawn-samples';
import { SequenceConfig, pretrainingRows } from './text-rows';
import { TeacherInputMode, TextMaskingConfig, maskTextBatch, maskedTextToV1Batch } from './masked-batch-v1';
import { textRandomMasks } from './random-mask-v2';
import { TokenCache } from '../../data/token-cache';
import { cachedPretrainingRows } from './text-stream';

/**
 * Micro-batch (update, micro) of a text run's training split as padded rows
 * (`collateSequences`), or rows of a token cache, and which documents (packed blocks,
 * or cache rows) they are.
 */
export function paddedPretrainingRows(
  config: { seed: number; sequences: SequenceConfig; trainer: { batchSize: number; accumulation: number } },
  data: TextBatchData,
): (update: number, micro: number) => { raw: TokenBatch; samples: BatchSamples } {
  if (data.cache) return cachedPretrainingRows(data.cache, config, data.tokenizer.specials);
  const { batchSize, accumulation } = config.trainer;
  const rows = pretrainingRows(data.train.ids, data.tokenizer.specials, config.sequences, { batchSize, accumulation, seed: config.seed });
  return (update, micro) => ({ raw: collateSequences(rows(update, micro), data.tokenizer.specials.pad), samples: rows.samples(update, micro) });
}

/** What the text batches read from the loaded data. */
export interface TextBatchData {
  train: { ids: readonly (readonly number[])[] };
  /** A token cache to read rows of `sequences.maxLength` from instead of `train` (`text-stream.ts`). */
  cache?: TokenCache;
  tokenizer: Tokenizer & { specials: SpecialTokens };
}

/** v1 micro-batches: padded rows masked as `MaskTokensDataset` does. */
export function textV1Batches(
  config: Parameters<typeof paddedPretrainingRows>[0] & { masking: TextMaskingConfig; teacherInput: TeacherInputMode },
  data: TextBatchData,
): SampledDraw<V1Batch> {
  return sampledDraw(paddedPretrainingRows(config, data), (padded: TokenBatch, rng: Rng) => maskedTextToV1Batch(maskTextBatch(padded, data.tokenizer, config.masking, config.teacherInput, rng)));
}

/** A v2 text micro-batch from padded rows: `clones` masks per row, and the padding mask when the batch has any padding. */
export function maskedTextV2Batch(padded: TokenBatch, clones: number, maskProb: number, rng: Rng): V2Batch {
  const masks = textRandomMasks(padded.paddingMask, { batch: padded.batchSize, seqLen: padded.seqLen }, clones, maskProb, rng);
  const t = tokenBatchToTensors(padded);
  const anyPad = padded.paddingMask.some((v) => v > 0);
  if (!anyPad) t.paddingMask.dispose();
  return { input: t.tokens, mask: makeMaskInfo(masks, clones), padMask: anyPad ? t.paddingMask : undefined };
}

/** v2 micro-batches: padded rows with `clones` random masks each. */
export function textV2Batches(
  config: Parameters<typeof paddedPretrainingRows>[0] & { masking: { maskProb: number }; data2vec: { clones: number } },
  data: TextBatchData,
): SampledDraw<V2Batch> {
  return sampledDraw(paddedPretrainingRows(config, data), (padded: TokenBatch, rng: Rng) => maskedTextV2Batch(padded, config.data2vec.clones, config.masking.maskProb, rng));
}
