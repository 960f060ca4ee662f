/**
 * Pretraining rows (spec §1.4 data): length-grouped document batches (fairseq
 * `SortDataset` + `batch_by_size`) and packed blocks (`sample_break_mode: none`).
 */
import { expect } from 'chai';
import { Rng } from '../../../src/util/rng';
import { LengthGroupedOrder, pretrainingRows } from '../../../src/modalities/text/text-rows';
import { packTokenBlocks } from '../../../src/data/text-batch';

const SPECIALS = { bos: 0, eos: 2 };

describe('text pretraining rows', () => {
  const rng = new Rng(3);
  const lengths = Array.from({ length: 103 }, () => rng.int(3, 40));

  it('an epoch of length-grouped batches covers n − (n mod B) distinct documents, each batch a contiguous length range', () => {
    const order = new LengthGroupedOrder(lengths, 10, 'seed');
    expect(order.batchesPerEpoch).to.equal(10);
    const batches = Array.from({ length: 10 }, (_, k) => order.batch(k));
    const all = batches.flat();
    expect(all).to.have.length(100);
    expect(new Set(all).size).to.equal(100);
    const ranges = batches.map((b) => [Math.min(...b.map((i) => lengths[i])), Math.max(...b.map((i) => lengths[i]))]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let k = 1; k < ranges.length; k++) expect(ranges[k][0]).to.be.at.least(ranges[k - 1][1]);
    // batch order is shuffled, not sorted by length
    const mins = batches.map((b) => Math.min(...b.map((i) => lengths[i])));
    expect(mins).to.not.deep.equal([...mins].sort((a, b) => a - b));
  });

  it('is deterministic per seed, differs across seeds and epochs', () => {
    const a = new LengthGroupedOrder(lengths, 10, 's1');
    const b = new LengthGroupedOrder(lengths, 10, 's1');
    const c = new LengthGroupedOrder(lengths, 10, 's2');
    expect(a.batch(13)).to.deep.equal(b.batch(13));
    expect(a.batch(3)).to.deep.equal(b.batch(3));
    expect(a.batch(3)).to.not.deep.equal(c.batch(3));
    expect(new Set(Array.from({ length: 10 }, (_, k) => a.batch(10 + k)).flat()).size).to.equal(100);
    expect(Array.from({ length: 10 }, (_, k) => a.batch(10 + k))).to.not.deep.equal(Array.from({ length: 10 }, (_, k) => a.batch(k)));
  });

  it('needs at least one batch of documents', () => {
    expect(() => new LengthGroupedOrder([3, 4], 8, 0)).to.throw('the corpus has 2 documents, fewer than one batch of 8; lower --batch-size or add documents.');
  });

  it('documents: <s> ids </s> per row, truncated to maxLength with </s> kept', () => {
    const docs = [[5, 6, 7, 8, 9, 10], [11], [12, 13]];
    const source = pretrainingRows(docs, SPECIALS, { packing: 'documents', maxLength: 5 }, { batchSize: 3, accumulation: 1, seed: 0 });
    const rows = source(0, 0);
    expect(rows.map((r) => r.join(',')).sort()).to.deep.equal(['0,11,2', '0,12,13,2', '0,5,6,7,2']);
    // the source reports which documents the rows are, in row order
    const byDocument = ['0,5,6,7,2', '0,11,2', '0,12,13,2'];
    expect((source.samples(0, 0).documents as number[]).map((d) => byDocument[d])).to.deep.equal(rows.map((r) => r.join(',')));
  });

  it('blocks: every row is exactly maxLength, led by <s>, documents joined by </s>', () => {
    const docs = Array.from({ length: 30 }, (_, i) => Array.from({ length: 3 + (i % 5) }, (_, j) => 10 + j));
    const source = pretrainingRows(docs, SPECIALS, { packing: 'blocks', maxLength: 8 }, { batchSize: 4, accumulation: 2, seed: 1 });
    for (const [u, m] of [[0, 0], [0, 1], [5, 1]]) {
      const rows = source(u, m);
      expect(rows).to.have.length(4);
      rows.forEach((r) => {
        expect(r).to.have.length(8);
        expect(r[0]).to.equal(0);
        expect(r.slice(1)).to.not.include(0);
      });
    }
    const blocks = packTokenBlocks(docs, SPECIALS, { blockSize: 8 });
    for (const [u, m] of [[0, 0], [5, 1]]) expect((source.samples(u, m).blocks as number[]).map((i) => blocks[i])).to.deep.equal(source(u, m));
    expect(source(0, 1)).to.not.deep.equal(source(0, 0));
    expect(source(5, 1)).to.deep.equal(source(5, 1));
  });
});
