/**
 * Frozen text features for probing (spec §7 protocols; the "linear probe and
 * kNN on frozen, mean-pooled features"): one document per row, `<s> … </s>`, cut to
 * `maxLength`, batched in order of length (so rows of a batch pad little), run through
 * an encoder, mean-pooled over each row's non-padding tokens (`<s>` and `</s>`
 * included), and returned in the split's own order with its labels.
 *
 * A split with target-word spans (word-in-context tasks) is pooled over the span's
 * tokens only (the mean over the word's sub-word tokens), and a sentence longer than a
 * row is cut to a window that keeps the word whole.
 */
import * as tf from '@tensorflow/tfjs';
import { collateSequences, tokenBatchToTensors, wrapDocument } from '../../data/text-batch';
import { LabelledFeatures } from '../../eval/features';
import { meanPooledFeatures } from '../../eval/pooled-features';
import { TextData, requireLabels } from './text-data';
import { TokenSpan, windowAroundSpan } from './word-span';

/** Encodes token ids [B, T] with their padding mask [B, T] (1 = pad) into token outputs [B, T, D]. */
export type TokenEncoder = (tokens: tf.Tensor2D, paddingMask: tf.Tensor2D) => tf.Tensor;

/** Mean-pooled features of every document of a split (see the file header). */
export async function documentFeatures(
  encode: TokenEncoder,
  data: TextData,
  split: 'train' | 'test',
  options: { maxLength: number; batchSize: number },
  onProgress?: (done: number, total: number) => void,
): Promise<LabelledFeatures> {
  const labels = requireLabels(data, split);
  const { specials } = data.tokenizer;
  const spans = data[split].spans;
  let rows: number[][];
  let pooled: TokenSpan[] | undefined;
  if (spans) {
    const cut = data[split].ids.map((ids, i) => windowAroundSpan(ids, spans[i], options.maxLength - 2));
    rows = cut.map((c) => [specials.bos, ...c.ids, specials.eos]);
    // +1: the span counts tokens after `<s>`
    pooled = cut.map((c) => ({ first: c.span.first + 1, last: c.span.last + 1 }));
  } else {
    rows = data[split].ids.map((ids) => wrapDocument(ids, specials, options.maxLength));
  }
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].length - rows[b].length || a - b);
  const sorted = await meanPooledFeatures(rows.length, Int32Array.from(order, (i) => labels[i]), options.batchSize, (idx) => {
    const t = tokenBatchToTensors(collateSequences(idx.map((k) => rows[order[k]]), specials.pad));
    const out = encode(t.tokens, t.paddingMask);
    // pooling skips what its mask marks: padding, or everything outside the target word
    return { out, padMask: pooled ? outsideSpans(idx.map((k) => pooled![order[k]]), t.tokens.shape[1]) : t.paddingMask };
  }, onProgress);
  const x = new Float32Array(sorted.x.length);
  order.forEach((doc, k) => x.set(sorted.x.subarray(k * sorted.dim, (k + 1) * sorted.dim), doc * sorted.dim));
  return { x, y: labels, n: rows.length, dim: sorted.dim };
}

/** [B, T] mask with 0 on each row's span and 1 elsewhere. */
function outsideSpans(spans: TokenSpan[], length: number): tf.Tensor2D {
  const mask = new Float32Array(spans.length * length).fill(1);
  spans.forEach((s, b) => mask.fill(0, b * length + s.first, b * length + s.last));
  return tf.tensor2d(mask, [spans.length, length]);
}
