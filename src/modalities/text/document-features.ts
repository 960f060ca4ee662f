/**
 * Frozen text features for probing (spec §7 protocols; the "linear probe and
 * kNN on frozen, mean-pooled features"): one document per row, `<s> … </s>`, cut to
 * `maxLength`, batched in order of length (so rows of a batch pad little), run through
 * an encoder, mean-pooled over each row's non-padding tokens (`<s>` and `</s>`
 * included), and returned in the split's own order with its labels.
 */
import * as tf from '@tensorflow/tfjs';
import { collateSequences, tokenBatchToTensors, wrapDocument } from '../../data/text-batch';
import { LabelledFeatures } from '../../eval/features';
import { meanPooledFeatures } from '../../eval/pooled-features';
import { TextData, requireLabels } from './text-data';

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
  const rows = data[split].ids.map((ids) => wrapDocument(ids, specials, options.maxLength));
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].length - rows[b].length || a - b);
  const sorted = await meanPooledFeatures(rows.length, Int32Array.from(order, (i) => labels[i]), options.batchSize, (idx) => {
    const t = tokenBatchToTensors(collateSequences(idx.map((k) => rows[order[k]]), specials.pad));
    return { out: encode(t.tokens, t.paddingMask), padMask: t.paddingMask };
  }, onProgress);
  const x = new Float32Array(sorted.x.length);
  order.forEach((doc, k) => x.set(sorted.x.subarray(k * sorted.dim, (k + 1) * sorted.dim), doc * sorted.dim));
  return { x, y: labels, n: rows.length, dim: sorted.dim };
}
