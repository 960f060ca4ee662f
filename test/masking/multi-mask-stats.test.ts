/**
 * v2 clone masks in `repeat_interleave` order (spec §2.4, traps 10–11), the mask
 * batch helpers, and the statistics used for plots.
 */
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { cloneMasks } from '../../src/masking/multi-mask';
import { inverseBlockMask2d } from '../../src/masking/inverse-block-mask-2d';
import { blockMask1d } from '../../src/masking/block-mask-1d';
import { randomMask } from '../../src/masking/random-mask';
import { concatMaskBatches, emptyMaskBatch, maskBatchFromArrays, maskBatchToArrays, maskRow, maskedCounts } from '../../src/masking/mask-batch';
import { maskedFractionPerRow, regionSizes2d, runLengths } from '../../src/masking/stats';

describe('masking: cloneMasks (v2 multi-mask)', () => {
  it('puts clone m of sample b at row b·M + m (sample-major, like repeat_interleave)', () => {
    // A drawer that marks position = sample index in every clone and position 10 + clone index.
    let sample = 0;
    const m = cloneMasks(
      3,
      4,
      (clones) => {
        const out = emptyMaskBatch(clones, 20);
        for (let c = 0; c < clones; c++) {
          maskRow(out, c)[sample] = 1;
          maskRow(out, c)[10 + c] = 1;
        }
        sample++;
        return out;
      },
      new Rng(1),
    );
    expect(m.rows).to.equal(12);
    for (let row = 0; row < 12; row++) {
      const ones = Array.from(maskRow(m, row)).flatMap((v, i) => (v ? [i] : []));
      expect(ones).to.deep.equal([Math.floor(row / 4), 10 + (row % 4)]);
    }
  });

  it('draws 16 independent inverse block masks per image, all with 157 masked patches', () => {
    const m = cloneMasks(2, 16, (n, rng) => inverseBlockMask2d({ batch: n, height: 14, width: 14 }, rng), new Rng(2));
    expect(m.rows).to.equal(32);
    expect(new Set(maskedCounts(m))).to.deep.equal(new Set([157]));
    expect(new Set(maskBatchToArrays(m).map((r) => r.join(''))).size).to.equal(32);
  });

  it('works with the audio and text maskers too (8 clones of 125/250 and of 246/512)', () => {
    const audio = cloneMasks(3, 8, (n, rng) => blockMask1d({ batch: n, length: 250 }, rng), new Rng(3));
    expect(new Set(maskedCounts(audio))).to.deep.equal(new Set([125]));
    const text = cloneMasks(3, 8, (n, rng) => randomMask({ batch: n, length: 512 }, rng).mask, new Rng(4));
    expect(new Set(maskedCounts(text))).to.deep.equal(new Set([246]));
  });

  it('refuses unequal counts unless told otherwise, and a drawer that returns the wrong number of rows', () => {
    let call = 0;
    const unequal = (n: number) => maskBatchFromArrays(Array.from({ length: n }, () => (call++ === 0 ? [1, 0, 0] : [1, 1, 0])));
    expect(() => cloneMasks(1, 2, unequal, new Rng(5))).to.throw('clone masks have different masked counts (1, 2)');
    call = 0;
    expect(cloneMasks(1, 2, unequal, new Rng(5), { requireSameCount: false }).rows).to.equal(2);
    expect(() => cloneMasks(2, 3, () => emptyMaskBatch(2, 5), new Rng(6))).to.throw('the mask drawer returned 2 rows for sample 0 but 3 clones were asked for.');
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from(cloneMasks(2, 4, (n, rng) => inverseBlockMask2d({ batch: n, height: 14, width: 14 }, rng), new Rng(seed)).data);
    expect(draw(7)).to.deep.equal(draw(7));
    expect(draw(7)).to.not.deep.equal(draw(8));
  });
});

describe('masking: mask batch helpers', () => {
  it('round-trips nested arrays and stacks batches in order', () => {
    const a = maskBatchFromArrays([[1, 0, 2]]);
    const b = maskBatchFromArrays([
      [0, 0, 1],
      [1, 1, 1],
    ]);
    expect(maskBatchToArrays(concatMaskBatches([a, b]))).to.deep.equal([
      [1, 0, 1],
      [0, 0, 1],
      [1, 1, 1],
    ]);
    expect(() => concatMaskBatches([a, maskBatchFromArrays([[1]])])).to.throw('cannot stack masks of length 1 with masks of length 3.');
    expect(() => maskBatchFromArrays([[1, 0], [1]])).to.throw('mask row 1 has 1 positions but row 0 has 2; all rows must be the same length.');
    expect(() => maskRow(a, 1)).to.throw('mask row 1 is out of range: the batch has 1 rows.');
  });
});

describe('masking: statistics', () => {
  it('masked fraction per row', () => {
    expect(maskedFractionPerRow(maskBatchFromArrays([[1, 0, 0, 0], [1, 1, 1, 0]]))).to.deep.equal([0.25, 0.75]);
  });

  it('run lengths of masked and of visible positions', () => {
    const row = [1, 1, 0, 1, 0, 0, 0, 1, 1, 1];
    expect(runLengths(row)).to.deep.equal([2, 1, 3]);
    expect(runLengths(row, 0)).to.deep.equal([1, 3]);
    expect(runLengths([0, 0])).to.deep.equal([]);
  });

  it('4-connected region sizes (diagonal neighbours are separate regions)', () => {
    // prettier-ignore
    const grid = [
      1, 1, 0, 0,
      0, 1, 0, 1,
      0, 0, 1, 0,
      1, 0, 1, 1,
    ];
    expect(regionSizes2d(grid, 4, 4)).to.deep.equal([3, 1, 3, 1]);
    expect(regionSizes2d(grid, 4, 4, 0)).to.deep.equal([3, 4, 1]);
    expect(() => regionSizes2d(grid, 3, 4)).to.throw('the grid has 16 cells but 3x4 needs 12.');
  });
});
