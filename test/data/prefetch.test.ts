/**
 * The bounded prefetch queue (src/data/prefetch.ts) and streamed batch sources
 * (streamed-batches.ts, the trainer's `prepare` and `data_wait_ms`): production
 * runs `depth` items ahead and no further, errors reach the taker, memory stays
 * flat while a corpus far larger than the queue streams through, and a
 * streamed source trains exactly as the synchronous one while recording the wait.
 */
import { expect } from 'chai';
import { collectGarbage } from '../helpers/collect-garbage';
import { Prefetcher } from '../../src/data/prefetch';
import { streamedBatchSource } from '../../src/data/streamed-batches';
import { imageV1Recipe } from '../../src/modalities/image/recipe-v1';
import { Trainer } from '../../src/train/trainer';
import { imageData, microImageConfig } from '../helpers/tiny-image';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('prefetch queue and streamed batches', () => {
  it('produces exactly the next `depth` items ahead, drops skipped ones, and reports a failure to its taker', async () => {
    const started: number[] = [];
    const q = new Prefetcher(async (k) => {
      started.push(k);
      if (k === 7) throw new Error('item 7 is bad');
      await sleep(5);
      return k * 10;
    }, 2);
    expect(await q.take(0)).to.equal(0);
    expect(started).to.deep.equal([0, 1, 2]);
    expect(q.pending).to.equal(2);
    expect(await q.take(1)).to.equal(10);
    expect(started).to.deep.equal([0, 1, 2, 3]);
    expect(await q.take(5)).to.equal(50); // a jump (resume): 2 and 3 are dropped
    expect(q.pending).to.be.at.most(2);
    expect(started.slice(4)).to.deep.equal([5, 6, 7]);
    let error: Error | undefined;
    await q.take(7).catch((e) => (error = e));
    expect(error?.message).to.equal('item 7 is bad');
    expect(q.lastWaitMs).to.be.at.least(0);
  });

  it('keeps resident memory bounded while 48 items of 16 MB (768 MB) stream through a queue of depth 2', async () => {
    const itemBytes = 16 * 1024 * 1024;
    const q = new Prefetcher(async (k) => {
      await sleep(1);
      return Buffer.alloc(itemBytes, k & 0xff);
    }, 2);
    const before = process.memoryUsage().rss;
    let peak = before;
    let sum = 0;
    for (let k = 0; k < 48; k++) {
      const item = await q.take(k);
      sum += item[itemBytes - 1];
      collectGarbage();
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(sum).to.equal((47 * 48) / 2);
    // depth + 1 = 3 live items are 48 MB; allow the allocator slack for a few more, far below 768 MB
    expect(peak - before).to.be.lessThan(200 * 1024 * 1024);
  });

  it('trains on a streamed source exactly as on the synchronous one, and records each update\'s wait in data_wait_ms', async function () {
    this.timeout(120000);
    const config = microImageConfig({ steps: 2, seed: 4 });
    const run = async (streamed: boolean) => {
      const setup = imageV1Recipe.build(config, imageData());
      const source = streamed
        ? streamedBatchSource(
            async (position) => {
              await sleep(60);
              return position;
            },
            (_position, update, micro) => setup.batches(update, micro) as never,
            config.trainer.accumulation,
          )
        : setup.batches;
      const trainer = new Trainer(setup.objective, source, config.trainer);
      const r = await trainer.run();
      trainer.dispose();
      setup.objective.dispose();
      return r.rows;
    };
    const plain = await run(false);
    const streamed = await run(true);
    expect(streamed.map((r) => r.loss)).to.deep.equal(plain.map((r) => r.loss));
    for (const row of streamed) expect(row.data_wait_ms).to.be.at.least(50);
    // the synchronous source's time is its batch-making time, also counted as data time
    for (const row of plain) expect(row.data_wait_ms).to.be.greaterThan(0);
  });
});
