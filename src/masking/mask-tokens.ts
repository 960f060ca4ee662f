/**
 * data2vec 1.0 text masking, spec §2.6 and trap 15: fairseq `MaskTokensDataset`
 * (`fairseq/data/mask_tokens_dataset.py`, `__getitem_cached__`), applied per row.
 *
 * 1. `num_mask = int(mask_prob·T/mask_multiple_length + U[0,1))` starts are drawn
 *    without replacement from the T maskable positions; each covers
 *    `mask_multiple_length` consecutive positions, overlaps merge, positions past the
 *    end are dropped. These are the **selected** positions.
 * 2. Each selected position is, with probability `random_token_prob +
 *    leave_unmasked_prob`, either left unchanged or given a random token (split in the
 *    ratio of the two); every other selected position becomes `<mask>`.
 * 3. The v1 text loss uses `src_tokens.eq(mask_idx)` only (trap 15, fairseq #4229), i.e.
 *    the `maskReplaced` positions here, not all selected ones.
 *
 * Presets: {@link bertMask} (P1 §4.3: 15 %, 80/10/10) and {@link spanTextMask} (released
 * `text/pretraining/base.yaml`: 0.35, spans of 4, all `<mask>`).
 *
 * Differences from the reference, both deliberate: positions holding `padTokenId` or
 * marked `unmaskable` are removed first and T counts only the rest (fairseq masks each
 * unpadded item whole, BOS/EOS included, which is what you get with no `unmaskable`
 * marks and right padding); spans run over consecutive maskable positions. Random
 * tokens are drawn uniformly from `randomTokenRange` minus the mask and pad ids
 * (fairseq can draw `<mask>` itself, which would silently add a loss position).
 */
import { Rng } from '../util/rng';
import { MaskBatch, emptyMaskBatch, maskRow } from './mask-batch';
import { assertIntegerAtLeast, assertProbability, withDefaults } from './validate';

/** How often positions are selected and what happens to them (`MaskTokensDataset` arguments). */
export interface TokenMaskRates {
  /** Selection rate (`mask_prob`). */
  maskProb: number;
  /** Share of selected positions left as they are (`leave_unmasked_prob`). */
  leaveUnmaskedProb: number;
  /** Share of selected positions given a random token (`random_token_prob`). */
  randomTokenProb: number;
  /** Positions per selected start (`mask_multiple_length`). */
  maskMultipleLength: number;
}

/** Vocabulary facts the caller must give. */
export interface TokenMaskVocabulary {
  /** Id of `<mask>`; must not occur in the input. */
  maskTokenId: number;
  /** Id of `<pad>`; padded positions are never selected. */
  padTokenId: number;
  /** Ids random replacements are drawn from, `[low, high)`; the mask and pad ids are skipped. Needed when randomTokenProb > 0. */
  randomTokenRange?: { low: number; high: number };
  /** Per row, 1 marks a position that must never be selected (e.g. BOS/EOS if you wish). */
  unmaskable?: ReadonlyArray<ArrayLike<number>>;
}

/** Options of {@link maskTokens}. */
export type MaskTokensOptions = TokenMaskVocabulary & Partial<TokenMaskRates>;

/** What {@link maskTokens} returns; every mask is `rows × length` like the input. */
export interface MaskTokensResult {
  /** Every selected position (targets are built here in the paper's description). */
  selected: MaskBatch;
  /** Selected positions that now hold `<mask>`: the v1 text loss positions (trap 15). */
  maskReplaced: MaskBatch;
  /** Selected positions that now hold a random token. */
  randomReplaced: MaskBatch;
  /** Selected positions that kept their token. */
  leftUnchanged: MaskBatch;
  /** The new token ids. */
  tokens: number[][];
}

/** BERT masking as in P1 §4.3 / fairseq `masked_lm` defaults: 15 % selected, 80/10/10. */
export const BERT_MASK_DEFAULTS: Readonly<TokenMaskRates> = Object.freeze({
  maskProb: 0.15,
  leaveUnmaskedProb: 0.1,
  randomTokenProb: 0.1,
  maskMultipleLength: 1,
});

/** Released data2vec 1.0 text config (`text/pretraining/base.yaml`): spans of 4, all `<mask>`. */
export const SPAN_TEXT_MASK_DEFAULTS: Readonly<TokenMaskRates> = Object.freeze({
  maskProb: 0.35,
  leaveUnmaskedProb: 0,
  randomTokenProb: 0,
  maskMultipleLength: 4,
});

/** BERT masking of padded token rows; rates default to {@link BERT_MASK_DEFAULTS}. */
export function bertMask(tokens: ReadonlyArray<ArrayLike<number>>, rng: Rng, options: MaskTokensOptions): MaskTokensResult {
  return maskTokens(tokens, rng, { ...options, ...withDefaults(BERT_MASK_DEFAULTS, pickRates(options)) });
}

/** Span masking of padded token rows as in the released v1 text config; rates default to {@link SPAN_TEXT_MASK_DEFAULTS}. */
export function spanTextMask(tokens: ReadonlyArray<ArrayLike<number>>, rng: Rng, options: MaskTokensOptions): MaskTokensResult {
  return maskTokens(tokens, rng, { ...options, ...withDefaults(SPAN_TEXT_MASK_DEFAULTS, pickRates(options)) });
}

/** fairseq `MaskTokensDataset` on each row of `tokens`, every rate given explicitly. */
export function maskTokens(tokens: ReadonlyArray<ArrayLike<number>>, rng: Rng, options: TokenMaskVocabulary & TokenMaskRates): MaskTokensResult {
  const rates = pickRates(options) as TokenMaskRates;
  validateRates(rates);
  const length = validateTokens(tokens, options);
  const drawRandomToken = randomTokenSampler(options, rates.randomTokenProb, rng);

  const rows = tokens.length;
  const result: MaskTokensResult = {
    selected: emptyMaskBatch(rows, length),
    maskReplaced: emptyMaskBatch(rows, length),
    randomReplaced: emptyMaskBatch(rows, length),
    leftUnchanged: emptyMaskBatch(rows, length),
    tokens: tokens.map((row) => Array.from(row)),
  };
  const randOrUnmaskProb = rates.randomTokenProb + rates.leaveUnmaskedProb;

  for (let r = 0; r < rows; r++) {
    const eligible: number[] = [];
    const marks = options.unmaskable?.[r];
    for (let i = 0; i < length; i++) if (tokens[r][i] !== options.padTokenId && !marks?.[i]) eligible.push(i);
    const sz = eligible.length;

    const numMask = Math.trunc((rates.maskProb * sz) / rates.maskMultipleLength + rng.next());
    const chosen = new Uint8Array(sz);
    for (const s of rng.sampleWithoutReplacement(sz, Math.min(numMask, sz))) {
      for (let k = 0; k < rates.maskMultipleLength && s + k < sz; k++) chosen[s + k] = 1;
    }

    const selected = maskRow(result.selected, r);
    const maskReplaced = maskRow(result.maskReplaced, r);
    const randomReplaced = maskRow(result.randomReplaced, r);
    const leftUnchanged = maskRow(result.leftUnchanged, r);
    // One uniform per maskable position for each decision, as the reference's `np.random.rand(sz)`.
    const randOrUnmask = randOrUnmaskProb > 0 ? eligible.map((_, j) => rng.next() < randOrUnmaskProb && chosen[j] === 1) : [];
    const unmaskShare = randOrUnmaskProb > 0 ? rates.leaveUnmaskedProb / randOrUnmaskProb : 0;
    const unmaskDecision = rates.randomTokenProb > 0 && rates.leaveUnmaskedProb > 0 ? eligible.map(() => rng.next() < unmaskShare) : [];

    eligible.forEach((pos, j) => {
      if (!chosen[j]) return;
      selected[pos] = 1;
      if (!randOrUnmask[j]) {
        maskReplaced[pos] = 1;
        result.tokens[r][pos] = options.maskTokenId;
      } else if (rates.randomTokenProb === 0 || (rates.leaveUnmaskedProb > 0 && unmaskDecision[j])) {
        leftUnchanged[pos] = 1;
      } else {
        randomReplaced[pos] = 1;
        result.tokens[r][pos] = drawRandomToken();
      }
    });
  }
  return result;
}

/** Only the rate fields of `options` (the vocabulary fields are dropped). */
function pickRates(options: Partial<TokenMaskRates>): Partial<TokenMaskRates> {
  const { maskProb, leaveUnmaskedProb, randomTokenProb, maskMultipleLength } = options;
  return { maskProb, leaveUnmaskedProb, randomTokenProb, maskMultipleLength };
}

function validateRates(r: TokenMaskRates): void {
  assertProbability('maskProb', r.maskProb);
  assertProbability('leaveUnmaskedProb', r.leaveUnmaskedProb);
  assertProbability('randomTokenProb', r.randomTokenProb);
  if (r.leaveUnmaskedProb + r.randomTokenProb > 1) {
    throw new Error(`leaveUnmaskedProb + randomTokenProb must be at most 1, got ${r.leaveUnmaskedProb} + ${r.randomTokenProb}.`);
  }
  assertIntegerAtLeast('maskMultipleLength', r.maskMultipleLength);
}

function validateTokens(tokens: ReadonlyArray<ArrayLike<number>>, options: TokenMaskVocabulary): number {
  if (tokens.length === 0) throw new Error('token masking needs at least one row of token ids.');
  const length = tokens[0].length;
  tokens.forEach((row, r) => {
    if (row.length !== length) {
      throw new Error(`token row ${r} has ${row.length} ids but row 0 has ${length}; pad every row to the same length with padTokenId.`);
    }
    for (let i = 0; i < length; i++) {
      if (row[i] === options.maskTokenId) {
        throw new Error(`token row ${r} already contains the mask id ${options.maskTokenId} at position ${i}; masking expects unmasked input.`);
      }
    }
    const marks = options.unmaskable?.[r];
    if (options.unmaskable && (marks === undefined || marks.length !== length)) {
      throw new Error(`unmaskable must have one row of ${length} marks per token row; row ${r} does not.`);
    }
  });
  return length;
}

function randomTokenSampler(options: TokenMaskVocabulary, randomTokenProb: number, rng: Rng): () => number {
  if (randomTokenProb === 0) return () => options.maskTokenId;
  const range = options.randomTokenRange;
  if (!range) throw new Error('randomTokenRange is required when randomTokenProb > 0: give the ids [low, high) random replacements may use.');
  const { low, high } = range;
  const excluded = new Set([options.maskTokenId, options.padTokenId].filter((id) => id >= low && id < high));
  if (!(Number.isInteger(low) && Number.isInteger(high) && high - low - excluded.size > 0)) {
    throw new Error(`randomTokenRange [${low}, ${high}) holds no usable ids once the mask and pad ids are left out; give integer bounds with low < high.`);
  }
  return () => {
    for (;;) {
      const id = rng.int(low, high);
      if (id !== options.maskTokenId && id !== options.padTokenId) return id;
    }
  };
}
