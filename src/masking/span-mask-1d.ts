/**
 * data2vec 1.0 speech masking, spec §2.1 and trap 11: fairseq `compute_mask_indices`
 * (`fairseq/data/data_utils.py`) as of commit c71870f3, called by
 * `Data2VecAudioModel.apply_mask` with mask_prob 0.65, mask_length 10, `static`
 * lengths, `min_masks=1`, `no_overlap=False`, `require_same_masks=True`, `mask_dropout=0`.
 *
 * Per row with T valid frames:
 * 1. `num_mask = max(min_masks, int(mask_prob·T/mask_length + U[0,1)))`. Without
 *    `validLengths` (the reference's `padding_mask=None`) one draw is shared by every row;
 *    with it, each row draws its own (the reference draws the shared one first anyway).
 * 2. `num_mask` span starts are drawn without replacement from [0, T − mask_length)
 *    (the range is widened to `num_mask + 1` starts when T is too short).
 * 3. Each span covers `mask_length` frames; overlaps merge; frames ≥ T are dropped.
 * 4. `requireSameMasks`: every row is cut down to the batch's smallest masked count by
 *    keeping a uniform random subset of its masked frames.
 * 5. `maskDropout` > 0 then unmasks `rint(n·mask_dropout)` random frames per row.
 * About 49 % of frames end up masked on typical utterances (P1 §4.2). Padding frames
 * (index ≥ the row's valid length) are never masked.
 */
import { Rng } from '../util/rng';
import { MaskBatch, SequenceBatchShape, emptyMaskBatch, maskRow } from './mask-batch';
import { chooseWithoutReplacement, roundHalfEven } from './reference-math';
import { assertCount, assertIntegerAtLeast, assertProbability, withDefaults } from './validate';

/** Options of {@link spanMask1d}; names follow fairseq's arguments. */
export interface SpanMask1dOptions {
  /** Span-start density: about mask_prob·T/mask_length spans per row (`mask_prob`). */
  maskProb: number;
  /** Frames per span (`mask_length`, static lengths). */
  maskLength: number;
  /** Fewest spans per row (`min_masks`). */
  minMasks: number;
  /** Cut every row down to the batch's smallest masked count (`require_same_masks`). */
  requireSameMasks: boolean;
  /** Fraction of each row's masked frames unmasked at the end (`mask_dropout`). */
  maskDropout: number;
  /**
   * Valid (unpadded) frames of each row, padding on the right; omit when there is no
   * padding (the reference's `padding_mask=None`, which data2vec pretraining uses).
   */
  validLengths?: ReadonlyArray<number>;
}

/** data2vec 1.0 audio values (`Data2VecAudioConfig`, spec §2.1). */
export const SPAN_MASK_1D_DEFAULTS: Readonly<SpanMask1dOptions> = Object.freeze({
  maskProb: 0.65,
  maskLength: 10,
  minMasks: 1,
  requireSameMasks: true,
  maskDropout: 0,
});

/** Draws a batch of span masks (spec §2.1); with `requireSameMasks` all rows have equal counts. */
export function spanMask1d(shape: SequenceBatchShape, rng: Rng, options: Partial<SpanMask1dOptions> = {}): MaskBatch {
  const o = withDefaults(SPAN_MASK_1D_DEFAULTS, options);
  assertCount('batch', shape.batch);
  assertIntegerAtLeast('length', shape.length);
  assertProbability('maskProb', o.maskProb);
  assertIntegerAtLeast('maskLength', o.maskLength);
  assertCount('minMasks', o.minMasks);
  assertProbability('maskDropout', o.maskDropout);
  const valid = resolveValidLengths(shape, o.validLengths);

  const drawNumMask = (size: number) => Math.max(o.minMasks, Math.trunc((o.maskProb * size) / o.maskLength + rng.next()));
  const sharedNumMask = drawNumMask(shape.length);

  const perRow: number[][] = [];
  for (let b = 0; b < shape.batch; b++) {
    const size = valid ? valid[b] : shape.length;
    const numMask = valid ? drawNumMask(size) : sharedNumMask;
    perRow.push(spanIndices(size, numMask, o.maskLength, rng));
  }

  const out = emptyMaskBatch(shape.batch, shape.length);
  const minCount = Math.min(...perRow.map((idx) => idx.length));
  perRow.forEach((indices, b) => {
    let kept = indices;
    if (o.requireSameMasks && kept.length > minCount) kept = chooseWithoutReplacement(kept, minCount, rng);
    if (o.maskDropout > 0) kept = chooseWithoutReplacement(kept, kept.length - roundHalfEven(kept.length * o.maskDropout), rng);
    const row = maskRow(out, b);
    for (const i of kept) row[i] = 1;
  });
  return out;
}

/** Sorted distinct masked frames of one row: `numMask` spans of `maskLength` in `size` frames. */
function spanIndices(size: number, numMask: number, maskLength: number, rng: Rng): number[] {
  if (numMask === 0 || size === 0) return [];
  let minLen = maskLength;
  if (size - minLen <= numMask) minLen = size - numMask - 1;
  const starts = rng.sampleWithoutReplacement(size - minLen, numMask);
  const masked = new Uint8Array(size);
  for (const s of starts) for (let k = 0; k < maskLength && s + k < size; k++) masked[s + k] = 1;
  const out: number[] = [];
  for (let i = 0; i < size; i++) if (masked[i]) out.push(i);
  return out;
}

function resolveValidLengths(shape: SequenceBatchShape, lengths: ReadonlyArray<number> | undefined): ReadonlyArray<number> | undefined {
  if (lengths === undefined) return undefined;
  if (lengths.length !== shape.batch) {
    throw new Error(`validLengths has ${lengths.length} entries but the batch has ${shape.batch} rows; give one length per row.`);
  }
  lengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 0 || n > shape.length) {
      throw new Error(`validLengths[${b}] is ${n}; it must be an integer in [0, ${shape.length}].`);
    }
  });
  return lengths;
}
