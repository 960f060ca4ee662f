/**
 * Image folders (src/data/image-folder.ts), the 224² views (image-transform.ts,
 * colour-jitter.ts) and the worker-fed stream (image-stream.ts), on folders the
 * test generates with sharp: layouts and labels, exact eval crops, flips,
 * jitter arithmetic, identical batches with and without workers, and counted
 * skips with the 1 % stop.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scanImageFolder } from '../../src/data/image-folder';
import { SkipLog } from '../../src/data/skip-log';
import { colourJitterInPlace } from '../../src/modalities/image/colour-jitter';
import { EVAL_TRANSFORM, V1_TRAIN_TRANSFORM, V2_TRAIN_TRANSFORM, centreCropBox, transformImage } from '../../src/modalities/image/image-transform';
import { ImageStream } from '../../src/modalities/image/image-stream';
import { Rng } from '../../src/util/rng';
import { makeImageFolder, patternImage } from '../helpers/image-folder-fixture';

describe('image folders at 224²', () => {
  let root: string;
  before(async () => {
    root = await makeImageFolder(6, { bad: true });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists the ImageFolder layout with sorted class labels and counts zero-byte and non-image files as skipped', () => {
    const folder = scanImageFolder(root, { maxSkipRate: 1 });
    expect(folder.layout).to.equal('imagefolder');
    expect(folder.classNames).to.deep.equal(['cat', 'dog']);
    expect(folder.train).to.have.length(13); // 6 + truncated.jpg under cat, 6 under dog
    expect(folder.val).to.have.length(4);
    expect(folder.train.filter((e) => e.label === 1).every((e) => e.file.includes(`${path.sep}dog${path.sep}`))).to.equal(true);
    expect(folder.skips.summary()).to.equal('skipped 2 of 19 files: 1 empty file, 1 not an image');
  });

  it('lists a flat folder of unlabelled images and refuses an empty one', async () => {
    const flat = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-flat-'));
    try {
      expect(() => scanImageFolder(flat)).to.throw(/holds no .* images/);
      fs.writeFileSync(path.join(flat, 'a.png'), await patternImage(30, 20, 'png'));
      fs.writeFileSync(path.join(flat, 'b.webp'), await patternImage(30, 20, 'webp'));
      const folder = scanImageFolder(flat);
      expect(folder.layout).to.equal('flat');
      expect(folder.train.map((e) => [path.basename(e.file), e.label])).to.deep.equal([['a.png', -1], ['b.webp', -1]]);
    } finally {
      fs.rmSync(flat, { recursive: true, force: true });
    }
  });

  it('eval view: shorter side to 256, centre 224² crop, exact pixels when no scaling is needed', async () => {
    const png = await patternImage(512, 256, 'png');
    const view = await transformImage(png, EVAL_TRANSFORM, new Rng(0));
    expect(view.box).to.deep.equal({ top: 16, left: 144, height: 224, width: 224 });
    expect(view.pixels.length).to.equal(224 * 224 * 3);
    // pixel (x, y) of the view is source (x + 144, y + 16) = (x + 144, y + 16, 100)
    for (const [x, y] of [[0, 0], [100, 50], [223, 223]]) {
      const o = (y * 224 + x) * 3;
      expect([...view.pixels.subarray(o, o + 3)]).to.deep.equal([(x + 144) % 256, y + 16, 100]);
    }
    expect(centreCropBox(375, 500, 256, 224)).to.deep.equal({ top: 23, left: 86, height: 328, width: 328 });
  });

  it('train views: a grey image comes out as 3 equal channels, flips mirror the crop, crops follow the v1/v2 area ranges', async () => {
    const grey = await patternImage(300, 200, 'png', 1);
    const view = await transformImage(grey, { ...V2_TRAIN_TRANSFORM, hflip: 0 }, new Rng(1));
    expect(view.channels).to.equal(3);
    for (let p = 0; p < 224 * 224; p += 997) expect(view.pixels[3 * p]).to.equal(view.pixels[3 * p + 2]);
    const plain = await transformImage(grey, { ...V2_TRAIN_TRANSFORM, hflip: 0 }, new Rng(7));
    const flipped = await transformImage(grey, { ...V2_TRAIN_TRANSFORM, hflip: 1 }, new Rng(7));
    expect(flipped.box).to.deep.equal(plain.box);
    expect(flipped.flipped).to.equal(true);
    for (const [x, y] of [[0, 0], [10, 100], [223, 5]]) expect(flipped.pixels[(y * 224 + 223 - x) * 3]).to.equal(plain.pixels[(y * 224 + x) * 3]);
    const areas = async (t: typeof V1_TRAIN_TRANSFORM): Promise<number[]> => {
      const out: number[] = [];
      for (let s = 0; s < 40; s++) {
        const v = await transformImage(grey, { ...t, colourJitter: undefined }, new Rng(s));
        out.push((v.box.height * v.box.width) / (300 * 200));
      }
      return out;
    };
    const v1 = await areas(V1_TRAIN_TRANSFORM);
    const v2 = await areas(V2_TRAIN_TRANSFORM);
    expect(Math.min(...v2)).to.be.greaterThan(0.18);
    expect(Math.min(...v1)).to.be.lessThan(0.2); // 40 draws from U[0.08, 1]: P(all ≥ 0.2) ≈ 0.87^40 ≈ 4e-3
  });

  it('colour jitter blends as PIL ImageEnhance: brightness scales, saturation keeps grey pixels, contrast pulls to the mean grey', () => {
    const px = Uint8Array.from([10, 20, 30, 200, 100, 50, 80, 80, 80, 255, 0, 128]);
    const b = Uint8Array.from(px);
    const { factors } = colourJitterInPlace(b, { brightness: 0.4, contrast: 0, saturation: 0 }, new Rng(3));
    expect(factors.brightness).to.be.within(0.6, 1.4);
    expect([...b]).to.deep.equal([...px].map((v) => Math.min(255, Math.round(v * factors.brightness))));
    const s = Uint8Array.from(px);
    colourJitterInPlace(s, { brightness: 0, contrast: 0, saturation: 0.4 }, new Rng(4));
    expect([...s.subarray(6, 9)]).to.deep.equal([80, 80, 80]);
    const c = Uint8Array.from(px);
    const drawn = colourJitterInPlace(c, { brightness: 0, contrast: 0.4, saturation: 0 }, new Rng(5));
    const lumas = [0, 1, 2, 3].map((p) => Math.round((px[3 * p] * 299 + px[3 * p + 1] * 587 + px[3 * p + 2] * 114) / 1000));
    const mean = Math.round(lumas.reduce((a, v) => a + v, 0) / 4);
    expect(c[0]).to.equal(Math.max(0, Math.min(255, Math.round(drawn.factors.contrast * 10 + (1 - drawn.factors.contrast) * mean))));
  });

  it('streams the same batches from worker threads as from the training thread, with folder labels', async () => {
    const folder = scanImageFolder(root, { maxSkipRate: 1 });
    const good = folder.train.filter((e) => !e.file.endsWith('truncated.jpg'));
    const options = { transform: V1_TRAIN_TRANSFORM, seed: 5, prefetch: 1 };
    const inline = new ImageStream(good, 4, { ...options, workers: 0 });
    const pooled = new ImageStream(good, 4, { ...options, workers: 2 });
    try {
      for (const p of [0, 1, 3]) {
        const [a, b] = await Promise.all([inline.batch(p), pooled.batch(p)]);
        expect(a.pixels.length).to.equal(4 * 224 * 224 * 3);
        expect(Buffer.compare(Buffer.from(a.pixels), Buffer.from(b.pixels))).to.equal(0);
        expect([...a.labels]).to.deep.equal(a.files.map((f) => (f.includes(`${path.sep}dog${path.sep}`) ? 1 : 0)));
      }
      // the count is of distinct files decoded: position 2 (prefetched after 1, perhaps not
      // finished) holds the epoch's last four, so take it before counting
      await pooled.batch(2);
      expect(pooled.skips.summary()).to.equal('skipped 0 of 12 files');
    } finally {
      await Promise.all([inline.close(), pooled.close()]);
    }
  });

  it('skips a truncated JPEG with a count, and stops once the skip rate passes the threshold', async () => {
    const folder = scanImageFolder(root, { maxSkipRate: 1 });
    const lenient = new ImageStream(folder.train, 13, { transform: EVAL_TRANSFORM, seed: 0, workers: 1, prefetch: 0, skips: new SkipLog('files', { maxSkipRate: 0.5 }) }, 'sequential');
    try {
      const batch = await lenient.batch(0);
      expect(batch.n).to.equal(13);
      expect(batch.files.filter((f) => f.endsWith('truncated.jpg'))).to.have.length(0);
      expect(lenient.skips.summary()).to.equal('skipped 1 of 13 files: 1 corrupt or truncated image');
      expect(() => lenient.skips.check()).to.not.throw();
    } finally {
      await lenient.close();
    }
    const strict = new ImageStream(folder.train, 13, { transform: EVAL_TRANSFORM, seed: 0, workers: 0, prefetch: 0 }, 'sequential');
    await strict.batch(0);
    expect(() => strict.skips.check()).to.throw(/skipped 1 of 13 files: 1 corrupt or truncated image \(7\.7 %, more than the 1\.0 % allowed\); first: .*truncated\.jpg is corrupt or truncated/);
  });
});
