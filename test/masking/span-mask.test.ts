/**
 * v1 speech span masking, fairseq `compute_mask_indices` at c71870f3 (spec §2.1,
 * trap 11): hand-checked spans from scripted draws, the masked fraction against the
 * exact expectation, padding, and the cut to the batch minimum.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Rng } from '../../src/util/rng';
import { spanMask1d } from '../../src/masking/span-mask-1d';
import { maskRow, maskedCounts } from '../../src/masking/mask-batch';
import { maskedFractionPerRow, runLengths } from '../../src/masking/stats';
import { ScriptedRng, gridText } from './scripted-rng';
import { expectedSpanCoverage, meanAndStandardError } from './expected-coverage';

describe('masking: spanMask1d (compute_mask_indices, v1 speech)', () => {
  it('masks spans of 10 from the drawn starts; overlaps merge (hand-checked)', () => {
    // num_mask = int(0.65·30/10 + 0.5) = 2 starts from [0, 20).
    expect(gridText(spanMask1d({ batch: 1, length: 30 }, new ScriptedRng([0.5, [0, 15]])).data, 30)).to.deep.equal([
      '##########.....##########.....',
    ]);
    expect(gridText(spanMask1d({ batch: 1, length: 30 }, new ScriptedRng([0.5, [8, 5]])).data, 30)).to.deep.equal([
      '.....#############............',
    ]);
  });

  it('widens the start range when the row is short, as the reference does', () => {
    // T = 11: num_mask = 1 and 11 - 10 <= 1, so min_len = 11 - 1 - 1 = 9 and the start comes from [0, 2).
    const rng = new ScriptedRng([0.5, [1]]);
    expect(gridText(spanMask1d({ batch: 1, length: 11 }, rng).data, 11)).to.deep.equal(['.##########']);
    expect(rng.remaining).to.equal(0);
  });

  it('cuts every row down to the batch minimum by keeping a random subset of its frames', () => {
    // Shared num_mask = 2. Row 0 covers 0..9 and 15..24 (20 frames), row 1 covers 0..14 (15 frames).
    // Row 0 keeps list items 0..4 and 10..19 of its 20 frames: 0..4 and 15..24.
    const keep = [0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const m = spanMask1d({ batch: 2, length: 30 }, new ScriptedRng([0.5, [0, 15], [0, 5], keep]));
    expect(gridText(m.data, 30)).to.deep.equal(['#####..........##########.....', '###############...............']);
    expect(maskedCounts(m)).to.deep.equal([15, 15]);
  });

  it('with valid lengths draws num_mask per row and never masks padding', () => {
    // The shared draw happens first (as in the reference), then row 0 (T = 30) and row 1 (T = 12).
    // Row 0: 2 starts (3, 18) -> 20 frames. Row 1: int(0.65·12/10 + 0.9) = 1 start from [0, 2) -> frames 1..10.
    // Row 0 is cut to 10 frames: list items 0..4 and 15..19 = frames 3..7 and 23..27.
    const keep = [0, 1, 2, 3, 4, 15, 16, 17, 18, 19];
    const m = spanMask1d({ batch: 2, length: 30 }, new ScriptedRng([0.5, 0.5, [3, 18], 0.9, [1], keep]), { validLengths: [30, 12] });
    expect(gridText(m.data, 30)).to.deep.equal(['...#####...............#####..', '.##########...................']);
  });

  it('masks about 49 % of 250-frame rows, matching the exact expectation 0.4926', () => {
    const rng = new Rng(31);
    const fractions: number[] = [];
    for (let i = 0; i < 4000; i++) fractions.push(maskedFractionPerRow(spanMask1d({ batch: 1, length: 250 }, rng))[0]);
    const { mean, se } = meanAndStandardError(fractions);
    // num_mask = int(0.65·250/10 + U) = int(16.25 + U); starts come from [0, 240).
    const expected = expectedSpanCoverage(250, 240, 10, 16.25);
    expect(expected).to.be.closeTo(0.4926, 1e-4);
    // Four standard errors of the mean (sd ≈ 0.04 per row, so about ±0.0025): a wrong start range,
    // span length or rounding shifts the mean by more than that.
    expect(mean).to.be.closeTo(expected, 4 * se);
  });

  it('gives every row the same count under requireSameMasks, and only padding-free frames (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 6 }), fc.integer(), (valid, seed) => {
        const m = spanMask1d({ batch: valid.length, length: 300 }, new Rng(seed), { validLengths: valid });
        const counts = maskedCounts(m);
        if (counts.some((c) => c !== counts[0])) return false;
        return valid.every((v, b) => maskRow(m, b).subarray(v).every((x) => x === 0));
      }),
      { seed: 4242, numRuns: 80 },
    );
  });

  it('without requireSameMasks keeps whole spans: every masked run is at least 10 frames', () => {
    // Starts lie in [0, 240), so each span of 10 fits inside the 250 frames.
    const m = spanMask1d({ batch: 50, length: 250 }, new Rng(33), { requireSameMasks: false });
    const runs = Array.from({ length: m.rows }, (_, b) => runLengths(maskRow(m, b))).flat();
    expect(Math.min(...runs)).to.equal(10);
    // With the batch cut (the default) rows lose random frames, so shorter runs appear.
    const cut = spanMask1d({ batch: 50, length: 250 }, new Rng(33));
    expect(Math.min(...Array.from({ length: cut.rows }, (_, b) => runLengths(maskRow(cut, b))).flat())).to.be.below(10);
  });

  it('mask dropout removes rint(n·p) of the n masked frames', () => {
    // 20 frames masked; rint(20·0.1) = 2 holes, so 18 of the 20 list items are kept.
    const keep = Array.from({ length: 18 }, (_, i) => i + 2);
    const m = spanMask1d({ batch: 1, length: 30 }, new ScriptedRng([0.5, [0, 15], keep]), { maskDropout: 0.1 });
    expect(gridText(m.data, 30)).to.deep.equal(['..########.....##########.....']);
  });

  it('rejects valid lengths that do not match the batch', () => {
    expect(() => spanMask1d({ batch: 2, length: 30 }, new Rng(1), { validLengths: [30] })).to.throw(
      'validLengths has 1 entries but the batch has 2 rows; give one length per row.',
    );
    expect(() => spanMask1d({ batch: 1, length: 30 }, new Rng(1), { validLengths: [31] })).to.throw('validLengths[0] is 31; it must be an integer in [0, 30].');
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from(spanMask1d({ batch: 4, length: 250 }, new Rng(seed)).data);
    expect(draw(3)).to.deep.equal(draw(3));
    expect(draw(3)).to.not.deep.equal(draw(4));
  });
});
