/**
 * The strategy registry the CLI uses (spec §2): names, reference defaults, shape
 * parsing with clear errors, option overrides, and what `generate` returns.
 */
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { MASK_STRATEGIES, getMaskStrategy, maskStrategyNames } from '../../src/masking/registry';

const sum = (row: number[]) => row.reduce((a, b) => a + b, 0);

describe('masking: strategy registry', () => {
  it('lists the seven strategies with their shape kinds and reference shapes', () => {
    expect(maskStrategyNames()).to.deep.equal(['block', 'inverse-block', 'span', 'block1d', 'bert', 'span-text', 'random']);
    const shapes = maskStrategyNames().map((n) => `${n}:${MASK_STRATEGIES[n].shapeKind}:${MASK_STRATEGIES[n].referenceShape}`);
    expect(shapes).to.deep.equal([
      'block:2d:14x14',
      'inverse-block:2d:14x14',
      'span:1d:250',
      'block1d:1d:250',
      'bert:1d:512',
      'span-text:1d:512',
      'random:1d:512',
    ]);
  });

  it('carries the reference defaults from the spec', () => {
    expect(getMaskStrategy('block').defaults).to.deep.include({ numMaskingPatches: 120, minNumPatches: 16, maxNumPatches: 196, minAspect: 0.3 });
    expect(getMaskStrategy('inverse-block').defaults).to.deep.equal({ maskProb: 0.8, maskLength: 3, maskProbAdjust: 0.07, maskDropout: 0 });
    expect(getMaskStrategy('span').defaults).to.deep.equal({ maskProb: 0.65, maskLength: 10, minMasks: 1, maskDropout: 0 });
    expect(getMaskStrategy('block1d').defaults).to.deep.equal({ maskProb: 0.5, maskLength: 5, maskProbAdjust: 0.05, maskDropout: 0 });
    expect(getMaskStrategy('bert').defaults).to.deep.equal({ maskProb: 0.15, leaveUnmaskedProb: 0.1, randomTokenProb: 0.1, maskMultipleLength: 1 });
    expect(getMaskStrategy('span-text').defaults).to.deep.equal({ maskProb: 0.35, leaveUnmaskedProb: 0, randomTokenProb: 0, maskMultipleLength: 4 });
    expect(getMaskStrategy('random').defaults).to.deep.equal({ maskRatio: 0.48 });
  });

  it('parses shapes and explains a bad one', () => {
    expect(getMaskStrategy('block').parseShape('7x7')).to.deep.equal({ kind: '2d', height: 7, width: 7 });
    expect(getMaskStrategy('span').parseShape(' 250 ')).to.deep.equal({ kind: '1d', length: 250 });
    expect(() => getMaskStrategy('block').parseShape('196')).to.throw('--shape must look like 14x14 for strategy block, got "196".');
    expect(() => getMaskStrategy('random').parseShape('14x14')).to.throw('--shape must look like 512 for strategy random, got "14x14".');
    expect(() => getMaskStrategy('inverse-block').parseShape('0x14')).to.throw('--shape "0x14" for strategy inverse-block must have sizes of at least 1, like 14x14.');
  });

  it('scales block defaults to the grid and applies overrides', () => {
    const block = getMaskStrategy('block');
    expect(block.resolveOptions(block.parseShape('7x7'))).to.deep.include({ numMaskingPatches: 30, minNumPatches: 4, maxNumPatches: 49 });
    const o = block.resolveOptions(block.parseShape('14x14'), { numMaskingPatches: 75, minAspect: 0.5 });
    expect(o).to.deep.include({ numMaskingPatches: 75, minNumPatches: 16, minAspect: 0.5, maxAspect: 2 });
    expect(() => block.resolveOptions(block.parseShape('14x14'), { maskProb: 0.5 })).to.throw(
      'strategy block has no option "maskProb"; its options are numMaskingPatches, minNumPatches, maxNumPatches, minAspect, maxAspect.',
    );
    expect(() => getMaskStrategy('span').resolveOptions({ kind: '1d', length: 10 }, { maskProb: Number.NaN })).to.throw(
      'option maskProb of strategy span must be a finite number, got NaN.',
    );
    expect(() => getMaskStrategy('nope')).to.throw('unknown masking strategy "nope"; choose one of block, inverse-block, span, block1d, bert, span-text, random.');
  });

  it('generates count independent 0/1 masks of the right length with the reference counts', () => {
    const rng = new Rng(1);
    const inv = getMaskStrategy('inverse-block').generate('14x14', 5, rng);
    expect(inv).to.have.length(5);
    expect(inv.map((r) => r.length)).to.deep.equal([196, 196, 196, 196, 196]);
    expect(inv.map(sum)).to.deep.equal([157, 157, 157, 157, 157]);
    expect(inv.flat().every((v) => v === 0 || v === 1)).to.equal(true);
    expect(new Set(inv.map((r) => r.join(''))).size).to.equal(5);
    expect(getMaskStrategy('block1d').generate('250', 3, rng).map(sum)).to.deep.equal([125, 125, 125]);
    expect(getMaskStrategy('random').generate('512', 3, rng).map(sum)).to.deep.equal([246, 246, 246]);
    expect(getMaskStrategy('block').generate('7x7', 20, rng).every((r) => r.length === 49 && sum(r) <= 30)).to.equal(true);
    expect(getMaskStrategy('inverse-block').generate({ kind: '2d', height: 14, width: 14 }, 1, rng, { maskProb: 0.75, maskProbAdjust: 0.1 }).map(sum)).to.deep.equal([147]);
  });

  it('bert shows about 15 % selected and span-text about 31 %', () => {
    const bert = getMaskStrategy('bert').generate('512', 40, new Rng(2)).flat();
    expect(sum(bert) / bert.length).to.be.closeTo(0.15, 0.005);
    const spans = getMaskStrategy('span-text').generate('512', 40, new Rng(3)).flat();
    expect(sum(spans) / spans.length).to.be.closeTo(0.3066, 0.02);
  });

  it('is deterministic for a seed and differs across seeds, for every strategy', () => {
    for (const name of maskStrategyNames()) {
      const s = getMaskStrategy(name);
      const draw = (seed: number) => s.generate(s.referenceShape, 2, new Rng(seed));
      expect(draw(1), name).to.deep.equal(draw(1));
      expect(draw(1), name).to.not.deep.equal(draw(2));
    }
  });
});
