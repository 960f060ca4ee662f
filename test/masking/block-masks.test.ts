/**
 * Block masking: v2 inverse block 2-D (spec §2.4, trap 12), v2 block 1-D (§2.2) and
 * v1 BEiT block-wise masking (§2.3, trap 13). Geometry is checked against masks worked
 * out by hand from scripted random draws; counts against the reference formulas.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Rng } from '../../src/util/rng';
import { inverseBlockMask2d } from '../../src/masking/inverse-block-mask-2d';
import { blockMask1d } from '../../src/masking/block-mask-1d';
import { beitMask, blockMask2d, scaledBlockMaskParams } from '../../src/masking/block-mask-2d';
import { maskRow, maskedCounts } from '../../src/masking/mask-batch';
import { regionSizes2d } from '../../src/masking/stats';
import { ScriptedRng, gridText } from './scripted-rng';

const FC = { seed: 20260101, numRuns: 60 };

describe('masking: inverseBlockMask2d (compute_block_mask_2d)', () => {
  it('masks exactly 157 of 196 patches (39 visible) with the base settings, on every row', () => {
    const m = inverseBlockMask2d({ batch: 64, height: 14, width: 14 }, new Rng(1));
    expect(m.rows).to.equal(64);
    expect(m.length).to.equal(196);
    expect(new Set(maskedCounts(m))).to.deep.equal(new Set([157]));
  });

  it('masks 147 of 196 with the large settings and 192 of 256 on the huge14 grid', () => {
    const large = { maskProb: 0.75, maskProbAdjust: 0.1 };
    expect(new Set(maskedCounts(inverseBlockMask2d({ batch: 16, height: 14, width: 14 }, new Rng(2), large)))).to.deep.equal(new Set([147]));
    expect(new Set(maskedCounts(inverseBlockMask2d({ batch: 16, height: 16, width: 16 }, new Rng(3), large)))).to.deep.equal(new Set([192]));
  });

  it('places clamped 3x3 squares at the drawn centres (hand-checked, no fix-up)', () => {
    // 25·((0.4 + 0.4)/9) = 2.2 -> 2 centres: index 0 = (0,0) and index 13 = (2,3).
    const rng = new ScriptedRng([0, 13]);
    const m = inverseBlockMask2d({ batch: 1, height: 5, width: 5 }, rng, {
      maskProb: 0.4,
      maskProbAdjust: 0.4,
      inverseMask: false,
      requireSameMasks: false,
    });
    expect(gridText(m.data, 5)).to.deep.equal(['##...', '#####', '..###', '..###', '.....']);
    expect(rng.remaining).to.equal(0);
  });

  it('inverse mode: squares mark kept patches, the fix-up drops kept ones to int(L·(1-p)), then flips', () => {
    // p = 1 - 0.6 = 0.4: 2 centres (0 and 13) keep 13 patches; target int(25·0.4) = 10, so 3 of the
    // kept list [0,1,5,6,7,8,9,12,13,14,17,18,19] are dropped: list items 0, 12, 5 = patches 0, 19, 8.
    const rng = new ScriptedRng([0, 13, [0, 12, 5]]);
    const m = inverseBlockMask2d({ batch: 1, height: 5, width: 5 }, rng, { maskProb: 0.6, maskProbAdjust: 0.4 });
    expect(gridText(m.data, 5)).to.deep.equal(['#.###', '...#.', '##...', '##..#', '#####']);
    expect(maskedCounts(m)).to.deep.equal([15]);
  });

  it('leaves visible patches as a few islands (base setting: at most 39 visible in few regions)', () => {
    const m = inverseBlockMask2d({ batch: 200, height: 14, width: 14 }, new Rng(4));
    let regions = 0;
    for (let r = 0; r < m.rows; r++) regions += regionSizes2d(maskRow(m, r), 14, 14, 0).length;
    // Measured: 5.4 regions per mask here, against 24.8 for 39 patches scattered uniformly.
    expect(regions / m.rows).to.be.below(12);
  });

  it('gives exact counts on any grid, square or not (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 24 }), fc.integer({ min: 2, max: 24 }), fc.double({ min: 0.3, max: 0.9, noNaN: true }), fc.integer(), (h, w, p, seed) => {
        const m = inverseBlockMask2d({ batch: 3, height: h, width: w }, new Rng(seed), { maskProb: p });
        const expected = h * w - Math.trunc(h * w * (1 - p));
        return maskedCounts(m).every((c) => c === expected);
      }),
      FC,
    );
  });

  it('rejects a block side of 1 like the reference', () => {
    expect(() => inverseBlockMask2d({ batch: 1, height: 14, width: 14 }, new Rng(1), { maskLength: 1 })).to.throw(
      'maskLength must be an integer of at least 2, got 1.',
    );
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from(inverseBlockMask2d({ batch: 4, height: 14, width: 14 }, new Rng(seed)).data);
    expect(draw(11)).to.deep.equal(draw(11));
    expect(draw(11)).to.not.deep.equal(draw(12));
  });
});

describe('masking: blockMask1d (compute_block_mask_1d)', () => {
  it('masks exactly 125 of 250 frames with the base settings and 137 with the large ones', () => {
    expect(new Set(maskedCounts(blockMask1d({ batch: 64, length: 250 }, new Rng(1))))).to.deep.equal(new Set([125]));
    const large = blockMask1d({ batch: 64, length: 250 }, new Rng(2), { maskProb: 0.55, maskProbAdjust: 0.1 });
    expect(new Set(maskedCounts(large))).to.deep.equal(new Set([137]));
  });

  it('covers [c-2, c+2] clamped for each centre (hand-checked)', () => {
    // 12·((0.7 + 0.3)/5) = 2.4 -> 2 centres, 0 and 9; int(12·0.7) = 8 masked already, so no fix-up draws.
    const rng = new ScriptedRng([0, 9]);
    const m = blockMask1d({ batch: 1, length: 12 }, rng, { maskProb: 0.7, maskProbAdjust: 0.3 });
    expect(gridText(m.data, 12)).to.deep.equal(['###....#####']);
    expect(rng.remaining).to.equal(0);
  });

  it('an even span length covers [c - B/2, c + B/2 - 1] as in the reference', () => {
    // 12·((0.3 + 0.1)/4) = 1.2 -> 1 centre at 5: offsets -2..1 -> frames 3..6.
    const m = blockMask1d({ batch: 1, length: 12 }, new ScriptedRng([5]), { maskProb: 0.3, maskProbAdjust: 0.1, maskLength: 4, requireSameMasks: false });
    expect(gridText(m.data, 12)).to.deep.equal(['...####.....']);
  });

  it('gives exactly int(L·p) masked frames for any length and rate (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.integer(), (L, p, seed) => {
        const m = blockMask1d({ batch: 2, length: L }, new Rng(seed), { maskProb: p });
        return maskedCounts(m).every((c) => c === Math.trunc(L * p));
      }),
      FC,
    );
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from(blockMask1d({ batch: 4, length: 250 }, new Rng(seed)).data);
    expect(draw(5)).to.deep.equal(draw(5));
    expect(draw(5)).to.not.deep.equal(draw(6));
  });
});

describe('masking: blockMask2d (BEiT MaskingGenerator)', () => {
  it('never masks more than 120 of 196, usually exactly 120 (500 seeded masks)', () => {
    const counts = maskedCounts(blockMask2d({ batch: 500, height: 14, width: 14 }, new Rng(7)));
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(Math.max(...counts)).to.be.at.most(120);
    // Measured on 2000 masks: minimum 109, mean about 119.5; the early stop only trims a few patches.
    expect(Math.min(...counts)).to.be.at.least(100);
    expect(mean).to.be.within(118.5, 120);
  });

  it('builds the mask from its blocks; blocks drawn with target area >= 16 cover at least 12 patches', () => {
    // h >= sqrt(A·r) - 1/2 and w >= sqrt(A/r) - 1/2, so h·w >= A - (sqrt(A·r) + sqrt(A/r))/2 + 1/4,
    // which for A >= 16 and r in [0.3, 1/0.3] is at least 16 - 4.75 + 0.25 = 11.5, i.e. 12 patches.
    const rng = new Rng(8);
    for (let i = 0; i < 200; i++) {
      const { mask, blocks } = beitMask(14, 14, rng);
      const union = new Uint8Array(196);
      for (const b of blocks) {
        expect(b.height).to.be.below(14);
        expect(b.width).to.be.below(14);
        for (let r = b.top; r < b.top + b.height; r++) for (let c = b.left; c < b.left + b.width; c++) union[r * 14 + c] = 1;
        if (b.targetArea >= 16) expect(b.height * b.width).to.be.at.least(12);
      }
      expect(Array.from(union)).to.deep.equal(Array.from(mask));
      expect(blocks.reduce((a, b) => a + b.added, 0)).to.equal(mask.reduce((a, b) => a + b, 0));
      expect(blocks[0].targetArea).to.be.at.least(16);
    }
  });

  it('follows the reference loop step by step and stops early when a round adds nothing (hand-checked)', () => {
    const tall = Math.log(1 / 0.3);
    const round3 = Array.from({ length: 10 }, () => [1, 0, 0, 0]).flat();
    const rng = new ScriptedRng([
      // round 1 (max 20): area 20 at aspect 1/0.3 gives h = round(8.16) = 8 >= 6: rejected without a corner;
      // then area 16, aspect 1 -> 4x4 at (1,1): 16 new patches.
      20, tall, 16, 0, 1, 1,
      // round 2 (max 4): area 4, aspect 1 -> 2x2 at (0,0): 3 new patches (one overlaps).
      4, 0, 0, 0,
      // round 3 (max 1): ten 1x1 tries at (0,0), all already masked -> delta 0 -> stop at 19 < 20.
      ...round3,
    ]);
    const { mask, blocks } = beitMask(6, 6, rng, { numMaskingPatches: 20, minNumPatches: 4 });
    expect(gridText(mask, 6)).to.deep.equal(['##....', '#####.', '.####.', '.####.', '.####.', '......']);
    expect(blocks.map((b) => b.added)).to.deep.equal([16, 3]);
    expect(rng.remaining).to.equal(0);
  });

  it('returns an empty mask at once when no block can fit (2x2 grid with blocks of 4, or a 1-row grid)', () => {
    // On 2x2 only 1x1 blocks fit (h, w < 2), but area 4 with r in [0.3, 3.33] never rounds to 1x1.
    expect(maskedCounts(blockMask2d({ batch: 20, height: 2, width: 2 }, new Rng(9), { numMaskingPatches: 4, minNumPatches: 4 }))).to.deep.equal(
      new Array(20).fill(0),
    );
    expect(maskedCounts(blockMask2d({ batch: 5, height: 1, width: 30 }, new Rng(9), { numMaskingPatches: 10, minNumPatches: 2 }))).to.deep.equal(
      new Array(5).fill(0),
    );
  });

  it('on the tiny 7x7 grid with scaled parameters sometimes stops short of 30, never above', () => {
    const counts = maskedCounts(blockMask2d({ batch: 1000, height: 7, width: 7 }, new Rng(10), scaledBlockMaskParams(7, 7)));
    expect(Math.max(...counts)).to.equal(30);
    const short = counts.filter((c) => c < 30).length;
    // Measured: about 4 % of masks stop at 28 or 29.
    expect(short).to.be.within(5, 150);
  });

  it('scales the reference fractions to other grids', () => {
    expect(scaledBlockMaskParams(14, 14)).to.deep.include({ numMaskingPatches: 120, minNumPatches: 16, maxNumPatches: 196 });
    expect(scaledBlockMaskParams(7, 7)).to.deep.include({ numMaskingPatches: 30, minNumPatches: 4, maxNumPatches: 49 });
    expect(scaledBlockMaskParams(2, 2)).to.deep.include({ numMaskingPatches: 2, minNumPatches: 1, maxNumPatches: 4 });
  });

  it('never exceeds the requested count on any grid (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer(), (h, w, seed) => {
        const p = scaledBlockMaskParams(h, w);
        return maskedCounts(blockMask2d({ batch: 3, height: h, width: w }, new Rng(seed), p)).every((c) => c <= p.numMaskingPatches);
      }),
      FC,
    );
  });

  it('rejects more masked patches than the grid has', () => {
    expect(() => blockMask2d({ batch: 1, height: 7, width: 7 }, new Rng(1))).to.throw('numMaskingPatches is 120 but a 7x7 grid has only 49 patches.');
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from(blockMask2d({ batch: 4, height: 14, width: 14 }, new Rng(seed)).data);
    expect(draw(21)).to.deep.equal(draw(21));
    expect(draw(21)).to.not.deep.equal(draw(22));
  });
});
