/**
 * Parity with the reference implementations (spec §2.1–§2.4): statistics of our masks
 * against the same statistics measured by running the reference Python functions
 * (golden numbers in `reference-stats.json`, with provenance). Each mean must agree
 * within four standard errors of the difference, sqrt(sd²/n + sd²/N).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../../src/util/rng';
import { inverseBlockMask2d } from '../../src/masking/inverse-block-mask-2d';
import { blockMask1d } from '../../src/masking/block-mask-1d';
import { spanMask1d } from '../../src/masking/span-mask-1d';
import { blockMask2d, scaledBlockMaskParams } from '../../src/masking/block-mask-2d';
import { MaskBatch, maskRow, maskedCounts } from '../../src/masking/mask-batch';
import { maskedFractionPerRow, regionSizes2d, runLengths } from '../../src/masking/stats';

interface Stat {
  mean: number;
  sd: number;
}

// The JSON sits beside this file's source; tests run from dist/test/masking.
const golden = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../test/masking/reference-stats.json'), 'utf8'));
const N_REF: number = golden.draws;

function expectMatches(values: number[], ref: Stat, what: string): void {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const tolerance = 4 * ref.sd * Math.sqrt(1 / values.length + 1 / N_REF);
  expect(mean, `${what}: ours ${mean.toFixed(4)} vs reference ${ref.mean}`).to.be.closeTo(ref.mean, tolerance);
}

const perRow = (m: MaskBatch, f: (row: Uint8Array) => number) => Array.from({ length: m.rows }, (_, r) => f(maskRow(m, r)));

describe('masking: parity with the reference implementations', () => {
  it('inverse block 2-D (base, 14x14): number and size of visible islands', () => {
    const m = inverseBlockMask2d({ batch: 3000, height: 14, width: 14 }, new Rng(101));
    expectMatches(perRow(m, (row) => regionSizes2d(row, 14, 14, 0).length), golden.inverseBlock14Base.visibleRegions, 'visible regions');
    expectMatches(perRow(m, (row) => Math.max(...regionSizes2d(row, 14, 14, 0))), golden.inverseBlock14Base.largestVisibleRegion, 'largest region');
  });

  it('block 1-D (base, 250 frames): number of masked runs', () => {
    const m = blockMask1d({ batch: 3000, length: 250 }, new Rng(102));
    expectMatches(perRow(m, (row) => runLengths(row).length), golden.block1d250Base.maskedRuns, 'masked runs');
  });

  it('span masking (250 frames): masked fraction alone and with the cut to the minimum of a batch of 8', () => {
    const rng = new Rng(103);
    const single: number[] = [];
    for (let i = 0; i < 3000; i++) single.push(...maskedFractionPerRow(spanMask1d({ batch: 1, length: 250 }, rng)));
    expectMatches(single, golden.span250.fractionBatch1, 'fraction, batch 1');
    const batched: number[] = [];
    for (let i = 0; i < 400; i++) batched.push(...maskedFractionPerRow(spanMask1d({ batch: 8, length: 250 }, rng)));
    expectMatches(batched, golden.span250.fractionBatch8, 'fraction, batch 8');
  });

  it('BEiT block-wise (14x14): masked count and number of masked regions', () => {
    const m = blockMask2d({ batch: 3000, height: 14, width: 14 }, new Rng(104));
    expectMatches(maskedCounts(m), golden.beit14.count, 'count');
    expectMatches(perRow(m, (row) => regionSizes2d(row, 14, 14, 1).length), golden.beit14.maskedRegions, 'masked regions');
  });

  it('BEiT block-wise (7x7, scaled parameters): share of masks that stop short of 30', () => {
    const n = 4000;
    const short = maskedCounts(blockMask2d({ batch: n, height: 7, width: 7 }, new Rng(105), scaledBlockMaskParams(7, 7))).filter((c) => c < 30).length / n;
    const p: number = golden.beit7Scaled.shortFraction;
    expect(short).to.be.closeTo(p, 4 * Math.sqrt(p * (1 - p) * (1 / n + 1 / N_REF)));
  });
});
