/**
 * Text masking: BERT and released-config span masking (fairseq `MaskTokensDataset`,
 * spec §2.6, trap 15) and v2 `random_masking` (§2.5–§2.6).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Rng } from '../../src/util/rng';
import { bertMask, maskTokens, spanTextMask } from '../../src/masking/mask-tokens';
import { keepRestoreIndices, randomMask } from '../../src/masking/random-mask';
import { maskBatchFromArrays, maskRow, maskedCounts } from '../../src/masking/mask-batch';
import { runLengths } from '../../src/masking/stats';
import { ScriptedRng } from './scripted-rng';
import { expectedSpanCoverage, meanAndStandardError } from './expected-coverage';

const PAD = 1;
const MASK = 4;
const VOCAB = { padTokenId: PAD, maskTokenId: MASK, randomTokenRange: { low: 0, high: 50 } };

/** Rows of `valid` real tokens (ids 5..49, BOS = 0 first) right-padded with PAD to `length`. */
function paddedRows(rng: Rng, valid: number[], length: number): number[][] {
  return valid.map((n) => Array.from({ length }, (_, i) => (i >= n ? PAD : i === 0 ? 0 : rng.int(5, 50))));
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

describe('masking: bertMask (MaskTokensDataset, 15 % / 80-10-10)', () => {
  const rng = new Rng(41);
  const valid = Array.from({ length: 300 }, (_, i) => 200 + (i % 7) * 40);
  const tokens = paddedRows(rng, valid, 512);
  const out = bertMask(tokens, rng, VOCAB);
  const selected = sum(out.selected.data);
  const realTokens = sum(valid);

  it('selects about 15 % of the real tokens and never a padded position', () => {
    // num_mask = int(0.15·T + U) has mean 0.15·T exactly; over 300 rows the total is within ±300 of 0.15·ΣT.
    expect(Math.abs(selected - 0.15 * realTokens)).to.be.below(300);
    valid.forEach((n, r) => expect(sum(maskRow(out.selected, r).subarray(n))).to.equal(0));
  });

  it('replaces about 80 % of selections with <mask>, 10 % with a random token and leaves 10 % unchanged', () => {
    const f = (m: { data: Uint8Array }) => sum(m.data) / selected;
    // About 21 000 selections: the binomial standard error is 0.0028 for 80 % and 0.0021 for 10 %; allow 4 of them.
    expect(f(out.maskReplaced)).to.be.closeTo(0.8, 0.012);
    expect(f(out.randomReplaced)).to.be.closeTo(0.1, 0.009);
    expect(f(out.leftUnchanged)).to.be.closeTo(0.1, 0.009);
    expect(sum(out.maskReplaced.data) + sum(out.randomReplaced.data) + sum(out.leftUnchanged.data)).to.equal(selected);
  });

  it('writes the new ids: <mask> exactly at the v1 loss positions (trap 15), random ids from the range, others untouched', () => {
    const problems: string[] = [];
    for (let r = 0; r < tokens.length; r++) {
      for (let i = 0; i < 512; i++) {
        const k = r * 512 + i;
        const now = out.tokens[r][i];
        if ((now === MASK) !== (out.maskReplaced.data[k] === 1)) problems.push(`<mask> at ${r},${i} disagrees with maskReplaced`);
        if (out.randomReplaced.data[k] && (now < 0 || now >= 50 || now === MASK || now === PAD)) problems.push(`bad random id ${now} at ${r},${i}`);
        if (!out.randomReplaced.data[k] && !out.maskReplaced.data[k] && now !== tokens[r][i]) problems.push(`token changed at ${r},${i}`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('never selects positions the caller marks unmaskable (here BOS and the last real token)', () => {
    const marks = valid.map((n) => Array.from({ length: 512 }, (_, i) => (i === 0 || i === n - 1 ? 1 : 0)));
    const o = bertMask(tokens, new Rng(42), { ...VOCAB, unmaskable: marks });
    valid.forEach((n, r) => {
      expect(o.selected.data[r * 512]).to.equal(0);
      expect(o.selected.data[r * 512 + n - 1]).to.equal(0);
    });
  });

  it('follows the reference decisions step by step (hand-checked)', () => {
    // 10 tokens: num_mask = int(0.15·10 + 0.6) = 2 at positions 3 and 7. Then for each position,
    // "random or unmask" if U < 0.2 (true at 3 and 7 below), and "unmask" if U < 0.5 (true at 3 only).
    const row = [0, 10, 11, 12, 13, 14, 15, 16, 17, 2];
    const script = [0.6, [3, 7], ...[0.9, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.1, 0.9, 0.9], ...[0.9, 0.9, 0.9, 0.3, 0.9, 0.9, 0.9, 0.7, 0.9, 0.9], 33];
    const o = bertMask([row], new ScriptedRng(script), VOCAB);
    expect(Array.from(o.selected.data)).to.deep.equal([0, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(o.leftUnchanged.data)).to.deep.equal([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(o.randomReplaced.data)).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(o.tokens[0]).to.deep.equal([0, 10, 11, 12, 13, 14, 15, 33, 17, 2]);
  });

  it('rejects input that already holds <mask>, ragged rows, and a missing random-token range', () => {
    expect(() => bertMask([[0, MASK, 7]], new Rng(1), VOCAB)).to.throw('token row 0 already contains the mask id 4 at position 1; masking expects unmasked input.');
    expect(() => bertMask([[0, 5], [0]], new Rng(1), VOCAB)).to.throw('token row 1 has 1 ids but row 0 has 2; pad every row to the same length with padTokenId.');
    expect(() => bertMask([[0, 5]], new Rng(1), { padTokenId: PAD, maskTokenId: MASK })).to.throw('randomTokenRange is required when randomTokenProb > 0');
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => bertMask(tokens.slice(0, 4), new Rng(seed), VOCAB).tokens;
    expect(draw(5)).to.deep.equal(draw(5));
    expect(draw(5)).to.not.deep.equal(draw(6));
  });
});

describe('masking: spanTextMask (released v1 text config)', () => {
  const rng = new Rng(51);
  const valid = Array.from({ length: 200 }, (_, i) => 100 + (i % 5) * 80);
  const tokens = paddedRows(rng, valid, 512);
  const out = spanTextMask(tokens, rng, { padTokenId: PAD, maskTokenId: MASK });

  it('turns every selected token into <mask> (no random, no unchanged) and never touches padding', () => {
    expect(Array.from(out.maskReplaced.data)).to.deep.equal(Array.from(out.selected.data));
    expect(sum(out.randomReplaced.data) + sum(out.leftUnchanged.data)).to.equal(0);
    valid.forEach((n, r) => expect(sum(maskRow(out.selected, r).subarray(n))).to.equal(0));
  });

  it('masks runs of at least 4 tokens, except a run cut by the end of the real tokens', () => {
    valid.forEach((n, r) => {
      const row = maskRow(out.selected, r).subarray(0, n);
      const runs = runLengths(row);
      if (row[n - 1] === 1) runs.pop();
      expect(runs.every((x) => x >= 4)).to.equal(true);
    });
  });

  it('can select BOS (position 0)', () => {
    expect(valid.some((_, r) => out.selected.data[r * 512] === 1)).to.equal(true);
  });

  it('masks the expected share of each row (about 30.7 % of 512 tokens)', () => {
    const full = spanTextMask(paddedRows(rng, new Array(400).fill(512), 512), rng, { padTokenId: PAD, maskTokenId: MASK });
    const { mean, se } = meanAndStandardError(maskedCounts(full.selected).map((c) => c / 512));
    // int(0.35·512/4 + U) = int(44.8 + U) distinct starts from all 512 positions, spans of 4 cut at the end.
    const expected = expectedSpanCoverage(512, 512, 4, 44.8);
    expect(expected).to.be.closeTo(0.3066, 1e-4);
    expect(mean).to.be.closeTo(expected, 4 * se);
  });
});

describe('masking: maskTokens argument checks', () => {
  it('rejects leave + random rates above 1', () => {
    expect(() =>
      maskTokens([[0, 5]], new Rng(1), { ...VOCAB, maskProb: 0.15, leaveUnmaskedProb: 0.6, randomTokenProb: 0.6, maskMultipleLength: 1 }),
    ).to.throw('leaveUnmaskedProb + randomTokenProb must be at most 1, got 0.6 + 0.6.');
  });
});

describe('masking: randomMask (v2 random_masking)', () => {
  it('keeps exactly int(512·0.52) = 266 tokens per row with the base ratio', () => {
    const { mask, idsKeep } = randomMask({ batch: 16, length: 512 }, new Rng(61));
    expect(new Set(maskedCounts(mask))).to.deep.equal(new Set([246]));
    expect(idsKeep.every((ids) => ids.length === 266)).to.equal(true);
  });

  it('idsKeep are the visible positions and idsRestore un-shuffles kept-then-masked order (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (L, ratio, seed) => {
        const { mask, idsKeep, idsRestore } = randomMask({ batch: 2, length: L }, new Rng(seed), { maskRatio: ratio });
        const lenKeep = Math.trunc(L * (1 - ratio));
        return idsKeep.every((keep, b) => {
          const row = maskRow(mask, b);
          if (keep.length !== lenKeep || L - sum(row) !== lenKeep) return false;
          if (!keep.every((p) => row[p] === 0)) return false;
          // shuffled = keep followed by the masked ids; shuffled[idsRestore[p]] must be p.
          const restore = idsRestore[b];
          return Array.from({ length: L }, (_, p) => p).every((p) => (restore[p] < lenKeep ? keep[restore[p]] === p : row[p] === 1));
        });
      }),
      { seed: 777, numRuns: 60 },
    );
  });

  it('keepRestoreIndices derives the same index lists from a precomputed mask, kept positions in order', () => {
    const mask = maskBatchFromArrays([
      [1, 0, 1, 0, 0],
      [0, 1, 1, 1, 0],
    ]);
    expect(() => keepRestoreIndices(mask)).to.throw('every mask row must have the same masked count to build ids_keep, got counts [2,3].');
    const even = maskBatchFromArrays([
      [1, 0, 1, 0, 0],
      [0, 1, 1, 0, 0],
    ]);
    const { idsKeep, idsRestore } = keepRestoreIndices(even);
    expect(idsKeep).to.deep.equal([
      [1, 3, 4],
      [0, 3, 4],
    ]);
    expect(idsRestore).to.deep.equal([
      [3, 0, 4, 1, 2],
      [0, 3, 4, 1, 2],
    ]);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from(randomMask({ batch: 2, length: 512 }, new Rng(seed)).mask.data);
    expect(draw(8)).to.deep.equal(draw(8));
    expect(draw(8)).to.not.deep.equal(draw(9));
  });
});
