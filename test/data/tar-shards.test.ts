/**
 * WebDataset `.tar` shards (src/data/tar-shards.ts, modalities/image/shard-image-stream.ts)
 * on shards the test packs with tar-stream: members grouped into samples by
 * key, a shard cut short counted as skipped with its complete samples kept,
 * a seeded shuffle buffer that is a permutation, and 224² batches labelled
 * from `cls` members with an undecodable image replaced and counted.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar-stream';
import { SkipLog } from '../../src/data/skip-log';
import { listShards, readShards, sampleKey, shuffleBuffer } from '../../src/data/tar-shards';
import { V2_TRAIN_TRANSFORM } from '../../src/modalities/image/image-transform';
import { ShardImageStream } from '../../src/modalities/image/shard-image-stream';
import { Rng } from '../../src/util/rng';
import { patternImage } from '../helpers/image-folder-fixture';

async function writeTar(file: string, members: [string, Uint8Array | string][]): Promise<void> {
  const pack = tar.pack();
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => out.on('finish', () => resolve()).on('error', reject));
  pack.pipe(out);
  for (const [name, data] of members) pack.entry({ name }, Buffer.from(data as Uint8Array));
  pack.finalize();
  await done;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('WebDataset tar shards', () => {
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-shards-'));
    for (let s = 0; s < 2; s++) {
      const members: [string, Uint8Array | string][] = [];
      for (let i = 0; i < 5; i++) {
        const key = `s${s}/img_${s}${i}`;
        members.push([`${key}.jpg`, await patternImage(80 + i, 60, 'jpeg', 3, 50 * i)], [`${key}.cls`, String((s * 5 + i) % 3)]);
      }
      if (s === 1) members[2] = ['s1/img_11.jpg', Buffer.from('not a jpeg at all')];
      await writeTar(path.join(dir, `shard-${s}.tar`), members);
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('groups members into samples by key', async () => {
    expect(sampleKey('a/b/x.seg.JPG')).to.deep.equal(['a/b/x', 'seg.jpg']);
    const skips = new SkipLog('shards');
    const samples = await collect(readShards(listShards(dir), skips));
    expect(samples.map((s) => s.key)).to.deep.equal(['s0/img_00', 's0/img_01', 's0/img_02', 's0/img_03', 's0/img_04', 's1/img_10', 's1/img_11', 's1/img_12', 's1/img_13', 's1/img_14']);
    expect([...samples[3].files.keys()]).to.deep.equal(['jpg', 'cls']);
    expect(Buffer.from(samples[3].files.get('cls')!).toString()).to.equal('0');
    expect(skips.summary()).to.equal('skipped 0 of 2 shards');
  });

  it('counts a shard cut short as skipped and keeps its complete samples', async () => {
    const whole = fs.readFileSync(path.join(dir, 'shard-0.tar'));
    const cut = path.join(dir, 'cut.tar.part');
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const skips = new SkipLog('shards', { maxSkipRate: 1 });
    const samples = await collect(readShards([cut, path.join(dir, 'shard-1.tar')], skips));
    expect(samples.length).to.be.within(6, 8); // 1-3 whole samples of the cut shard, then all 5 of the next
    expect(samples.slice(-5).map((s) => s.key)).to.deep.equal(['s1/img_10', 's1/img_11', 's1/img_12', 's1/img_13', 's1/img_14']);
    expect(skips.summary()).to.equal('skipped 1 of 2 shards: 1 truncated shard');
    expect(skips.skipped[0].reason).to.match(/cut\.tar\.part is cut short or damaged/);
  });

  it('shuffles through a seeded buffer: a permutation, the same for the same seed', async () => {
    async function* numbers() {
      for (let i = 0; i < 50; i++) yield i;
    }
    const a = await collect(shuffleBuffer(numbers(), 8, new Rng(1)));
    const b = await collect(shuffleBuffer(numbers(), 8, new Rng(1)));
    expect(a).to.deep.equal(b);
    expect([...a].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(a).to.not.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    // an item leaves the buffer at most (size − 1) + its index positions late... and never before its turn could come
    a.forEach((v, pos) => expect(pos).to.be.at.least(v - 7));
  });

  it('streams 224² batches labelled by cls, replacing and counting a sample whose image does not decode', async () => {
    const stream = new ShardImageStream(listShards(dir), 3, { transform: V2_TRAIN_TRANSFORM, seed: 2, shuffle: 4, workers: 1, prefetch: 1, skips: new SkipLog('samples', { maxSkipRate: 1 }) });
    try {
      const keys: string[] = [];
      for (let p = 0; p < 3; p++) {
        const batch = await stream.batch(p);
        expect(batch.pixels.length).to.equal(3 * 224 * 224 * 3);
        batch.files.forEach((f, b) => {
          const [s, i] = f.slice(-2).split('').map(Number);
          expect(batch.labels[b]).to.equal((s * 5 + i) % 3);
        });
        keys.push(...batch.files);
      }
      expect(keys.some((k) => k.endsWith('img_11'))).to.equal(false);
      expect(stream.skips.skipped.map((s) => s.kind)).to.deep.equal(['not a readable image']);
    } finally {
      await stream.close();
    }
  });
});
