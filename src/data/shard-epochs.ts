/**
 * An endless sample stream over WebDataset `.tar` shards (issue "shards for
 * scale"): each epoch reads the shards in a new seeded order through a seeded
 * shuffle buffer (`readShards`, `shuffleBuffer`). Two epochs in a row without
 * a single sample stop with one sentence instead of looping forever.
 */
import { Rng } from '../util/rng';
import { SkipLog } from './skip-log';
import { ShardSample, readShards, shuffleBuffer } from './tar-shards';

export class ShardEpochs {
  private samples: AsyncIterator<ShardSample> | undefined;
  private epoch = -1;

  /**
   * @param shards shard paths (`listShards`)
   * @param seed seeds the shard order and the buffer of each epoch
   * @param shuffle samples in the shuffle buffer
   * @param skips where shards cut short are counted
   */
  constructor(readonly shards: readonly string[], readonly seed: number | string, readonly shuffle: number, readonly skips: SkipLog) {
    if (shards.length === 0) throw new Error('a shard stream needs at least one .tar shard.');
  }

  /** The next sample of the stream. */
  async next(): Promise<ShardSample> {
    for (let empty = 0; empty < 2; ) {
      if (this.samples) {
        const r = await this.samples.next();
        if (!r.done) return r.value;
      }
      this.epoch++;
      const rng = new Rng(`${this.seed}:shards:${this.epoch}`);
      const order = rng.permutation(this.shards.length).map((i) => this.shards[i]);
      const before = this.skips.seen;
      this.samples = shuffleBuffer(readShards(order, this.skips), this.shuffle, rng)[Symbol.asyncIterator]();
      if (this.epoch > 0 && this.skips.seen === before) empty++;
    }
    throw new Error(`the shards ${this.shards.slice(0, 3).join(', ')}… hold no samples.`);
  }
}
