/**
 * Which token rows make up each pretraining batch (spec §1.4 data, §2.6).
 *
 * - `documents` (default for the tiny preset): one document per row, `<s> … </s>`,
 *   truncated to `maxLength`, right-padded to the longest row of the batch. This is
 *   what fairseq's `masked_lm` task with the released v1 `sample_break_mode:
 *   complete_doc` gives when every document fits one block, and fairseq also batches by
 *   length (`SortDataset` on `(shuffle, sizes)` + `batch_by_size`): here each epoch
 *   drops `n mod B` random documents, sorts the rest by length (ties in random order),
 *   cuts them into batches of B and shuffles the batches. Rows of a batch then have
 *   (nearly) equal length, so padding costs almost nothing, and pretraining sees the
 *   same one-document rows as the probe.
 * - `blocks`: the token stream of all documents, each ended by `</s>`, cut into rows of
 *   exactly `maxLength` tokens led by `<s>` (`sample_break_mode: none`, as v2 and
 *   long-document corpora use; no padding at all), sampled in a seeded order.
 *
 * Batches are pure functions of (seed, update, micro-batch), as the trainer requires.
 */
import { batchStart, sampleIndices } from '../../data/batch-order';
import { packTokenBlocks, wrapDocument } from '../../data/text-batch';
import type { SpecialTokens } from '../../data/tokenizer';
import { Rng } from '../../util/rng';
import type { BatchSamples } from '../../util/drawn-samples';

/** How pretraining rows are formed. */
export interface SequenceConfig {
  packing: 'documents' | 'blocks';
  /** Longest row (documents) or exact row length (blocks), `<s>`/`</s>` included. */
  maxLength: number;
}

/**
 * Indices of global batch `k` (0, 1, …) when every epoch groups documents of similar
 * length: see the header. `lengths[i]` is document i's row length.
 */
export class LengthGroupedOrder {
  private cachedEpoch = -1;
  private batches: number[][] = [];

  constructor(readonly lengths: ArrayLike<number>, readonly batchSize: number, readonly seed: number | string) {
    if (lengths.length < batchSize) {
      throw new Error(`the corpus has ${lengths.length} documents, fewer than one batch of ${batchSize}; lower --batch-size or add documents.`);
    }
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    return Math.floor(this.lengths.length / this.batchSize);
  }

  /** The document indices of global batch `k`. */
  batch(k: number): number[] {
    const epoch = Math.floor(k / this.batchesPerEpoch);
    if (epoch !== this.cachedEpoch) {
      this.batches = this.epochBatches(epoch);
      this.cachedEpoch = epoch;
    }
    return this.batches[k - epoch * this.batchesPerEpoch];
  }

  private epochBatches(epoch: number): number[][] {
    const rng = new Rng(`${this.seed}:length-order:${epoch}`);
    const kept = rng.permutation(this.lengths.length).slice(0, this.batchesPerEpoch * this.batchSize);
    const rank = new Map(kept.map((doc, i) => [doc, i]));
    kept.sort((a, b) => this.lengths[a] - this.lengths[b] || rank.get(a)! - rank.get(b)!);
    const batches: number[][] = [];
    for (let s = 0; s < kept.length; s += this.batchSize) batches.push(kept.slice(s, s + this.batchSize));
    return rng.permutation(batches.length).map((i) => batches[i]);
  }
}

/**
 * Makes the token rows (with `<s>`/`</s>`, unpadded) of micro-batch (update, micro);
 * `samples` says which documents (`documents` packing) or blocks (`blocks`) they are.
 */
export type RowSource = ((update: number, micro: number) => number[][]) & { samples(update: number, micro: number): BatchSamples };

/**
 * The row source for `documents` or `blocks` packing over `documentIds` (token ids
 * without specials).
 */
export function pretrainingRows(
  documentIds: readonly (readonly number[])[],
  specials: Pick<SpecialTokens, 'bos' | 'eos'>,
  sequences: SequenceConfig,
  batch: { batchSize: number; accumulation: number; seed: number },
): RowSource {
  const { batchSize, accumulation, seed } = batch;
  if (sequences.packing === 'blocks') {
    const blocks = packTokenBlocks(documentIds, specials, { blockSize: sequences.maxLength });
    const pick = (update: number, micro: number) => sampleIndices(blocks.length, batchStart(update, micro, batchSize, accumulation), batchSize, `${seed}:order`);
    return Object.assign((update: number, micro: number) => pick(update, micro).map((i) => blocks[i]), { samples: (update: number, micro: number) => ({ blocks: pick(update, micro) }) });
  }
  const rows = documentIds.map((ids) => wrapDocument(ids, specials, sequences.maxLength));
  const order = new LengthGroupedOrder(rows.map((r) => r.length), batchSize, `${seed}:order`);
  const pick = (update: number, micro: number) => order.batch(update * accumulation + micro);
  return Object.assign((update: number, micro: number) => pick(update, micro).map((i) => rows[i]), { samples: (update: number, micro: number) => ({ documents: pick(update, micro) }) });
}

