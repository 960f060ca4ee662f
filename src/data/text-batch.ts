/**
 * Text batches (spec §1.4 data, §2.6): token sequences with a padding mask.
 *
 * Two shapes, for the two uses:
 * - **Pretraining: packed blocks** ({@link packTokenBlocks}), as fairseq's `masked_lm`
 *   task with `sample_break_mode: none`: every document gets `</s>` appended, the
 *   documents are concatenated, the stream is cut into chunks of `blockSize - 1` tokens
 *   (a document longer than that is **split** across blocks; blocks cross document
 *   boundaries) and each chunk gets `<s>` prepended (`TokenBlockDataset` +
 *   `PrependTokenDataset`). With the default `lastBlock: 'drop'` every block is exactly
 *   `blockSize` long, so a batch has no padding, which v2's random masking assumes
 *   (spec §2.6); `'pad'` keeps the short last block as fairseq does.
 * - **Per-document sequences** ({@link wrapDocument}): `<s> tokens </s>`, one document
 *   per row, for the linear probe and for pretraining on line-separated samples. A
 *   document longer than `maxLength` is **truncated**: its first `maxLength - 2` tokens
 *   are kept and `</s>` still ends the row (as HF RoBERTa tokenizers truncate).
 *
 * {@link collateSequences} right-pads rows to a common length with `<pad>` and always
 * returns `paddingMask` [B, T] with 1 at padding. Padding must never count: pass the
 * mask to attention (`keyPadding`), leave padded positions out of losses, and out of
 * normalisation statistics over time (spec §8.3).
 */
import * as tf from '@tensorflow/tfjs';
import type { SpecialTokens, Tokenizer } from './tokenizer';
import { int32WithHostCopy } from '../nn/host-copy';

/** A batch of token rows, row-major, right-padded. */
export interface TokenBatch {
  /** Token ids [batchSize × seqLen]. */
  tokens: Int32Array;
  /** [batchSize × seqLen]: 1 where the position is padding, 0 where it holds a token. */
  paddingMask: Uint8Array;
  /** Number of real (non-pad) tokens in each row. */
  lengths: Int32Array;
  batchSize: number;
  seqLen: number;
}

/** Options for {@link packTokenBlocks}. */
export interface PackOptions {
  /** Block length including the leading `<s>` (fairseq `tokens_per_sample`, 512 in the released configs). */
  blockSize: number;
  /** What to do with a last block shorter than `blockSize`: drop it (default) or keep it for padding. */
  lastBlock?: 'drop' | 'pad';
}

/** Pack documents (token ids without specials) into `<s>`-led blocks; see the header comment. */
export function packTokenBlocks(
  documents: readonly (readonly number[])[],
  specials: Pick<SpecialTokens, 'bos' | 'eos'>,
  options: PackOptions,
): number[][] {
  const { blockSize } = options;
  if (!Number.isInteger(blockSize) || blockSize < 2) {
    throw new Error(`blockSize must be an integer of at least 2 (<s> and one token), got ${blockSize}.`);
  }
  const chunk = blockSize - 1;
  const blocks: number[][] = [];
  let current: number[] = [specials.bos];
  const push = (id: number): void => {
    current.push(id);
    if (current.length === blockSize) {
      blocks.push(current);
      current = [specials.bos];
    }
  };
  let total = 0;
  for (const doc of documents) {
    for (const id of doc) push(id);
    push(specials.eos);
    total += doc.length + 1;
  }
  if (current.length > 1 && (options.lastBlock ?? 'drop') === 'pad') blocks.push(current);
  if (blocks.length === 0) {
    throw new Error(
      `the documents hold ${total} tokens with their </s>, fewer than one block of ${chunk} + <s>; ` +
        "use a smaller blockSize, more text, or lastBlock: 'pad'.",
    );
  }
  return blocks;
}

/** `<s> ids </s>`, truncated to at most `maxLength` tokens with `</s>` kept last. */
export function wrapDocument(ids: readonly number[], specials: Pick<SpecialTokens, 'bos' | 'eos'>, maxLength: number): number[] {
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    throw new Error(`maxLength must be an integer of at least 2 (<s> and </s>), got ${maxLength}.`);
  }
  return [specials.bos, ...ids.slice(0, maxLength - 2), specials.eos];
}

/** Encode texts and wrap each as `<s> … </s>` of at most `maxLength` tokens. */
export function encodeDocuments(texts: readonly string[], tokenizer: Tokenizer, maxLength: number): number[][] {
  return texts.map((t) => wrapDocument(tokenizer.encode(t), tokenizer.specials, maxLength));
}

/**
 * Stack rows into a right-padded {@link TokenBatch}. `seqLen` defaults to the longest
 * row; a row longer than a given `seqLen` is an error (truncate with {@link wrapDocument} first).
 */
export function collateSequences(rows: readonly (readonly number[])[], pad: number, seqLen?: number): TokenBatch {
  if (rows.length === 0) throw new Error('cannot collate an empty list of rows into a batch.');
  const longest = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const t = seqLen ?? longest;
  if (longest > t) throw new Error(`a row has ${longest} tokens, more than seqLen ${t}; truncate rows before collating.`);
  const b = rows.length;
  const tokens = new Int32Array(b * t).fill(pad);
  const paddingMask = new Uint8Array(b * t).fill(1);
  const lengths = new Int32Array(b);
  rows.forEach((row, i) => {
    tokens.set(row, i * t);
    paddingMask.fill(0, i * t, i * t + row.length);
    lengths[i] = row.length;
  });
  return { tokens, paddingMask, lengths, batchSize: b, seqLen: t };
}

/**
 * The batch as tensors: `tokens` int32 [B, T] and `paddingMask` float32 [B, T] (1 = pad),
 * the form `MultiHeadSelfAttention` takes as `keyPadding`. The caller disposes them.
 */
export function tokenBatchToTensors(batch: TokenBatch): { tokens: tf.Tensor2D; paddingMask: tf.Tensor2D } {
  const shape: [number, number] = [batch.batchSize, batch.seqLen];
  return {
    tokens: int32WithHostCopy<tf.Rank.R2>(batch.tokens, shape),
    paddingMask: tf.tensor2d(Float32Array.from(batch.paddingMask), shape, 'float32'),
  };
}
