/**
 * Image datasets and Fashion-MNIST (src/data/image-dataset.ts): the bundled
 * subset's exact shapes, class balance and checksums (from its README), loading
 * a full-set folder with plain or gzip files, errors for bad folders, and
 * seeded balanced subsets. When the full set is installed, the bundled files
 * are regenerated in memory and compared byte for byte.
 */
import { expect } from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeIdx, writeIdx } from '../../src/data/idx';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_FILES,
  ImageDataset,
  balancedSubset,
  bundledFashionMnistDir,
  fashionMnistSubset,
  loadFashionMnist,
  selectImages,
  writeImageDatasetIdx,
} from '../../src/data/image-dataset';
import { Rng } from '../../src/util/rng';

const FULL_SET_DIR = '/usr/share/datasets/fashion-mnist';

function classCounts(labels: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  labels.forEach((l) => counts[l]++);
  return counts;
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** A tiny dataset whose pixel values encode (image, position): pixel = 10·image + position. */
function tinyDataset(n: number, labels: number[]): ImageDataset {
  const images = Uint8Array.from({ length: n * 4 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
  return { name: 'tiny', images, labels: Int32Array.from(labels), n, height: 2, width: 2, channels: 1, classNames: ['a', 'b', 'c'] };
}

describe('data/image-dataset', () => {
  let tmp: string;
  let bundled: ReturnType<typeof loadFashionMnist>;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-dataset-test-'));
    bundled = loadFashionMnist();
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('bundled Fashion-MNIST subset', () => {
    it('has exact shapes and counts', () => {
      const { train, test, source } = bundled;
      expect(source).to.equal(bundledFashionMnistDir());
      expect(source.endsWith(path.join('datasets', 'fashion-mnist'))).to.equal(true);
      for (const [ds, n, name] of [[train, 6000, 'fashion-mnist/train'], [test, 1000, 'fashion-mnist/test']] as const) {
        expect(ds.name).to.equal(name);
        expect([ds.n, ds.height, ds.width, ds.channels]).to.deep.equal([n, 28, 28, 1]);
        expect(ds.images.length).to.equal(n * 28 * 28);
        expect(ds.labels.length).to.equal(n);
        expect(ds.classNames).to.deep.equal([...FASHION_MNIST_CLASSES]);
      }
    });

    it('is balanced: 600 train and 100 test images per class', () => {
      expect(FASHION_MNIST_CLASSES).to.have.length(10);
      expect(classCounts(bundled.train.labels, 10)).to.deep.equal(new Array(10).fill(600));
      expect(classCounts(bundled.test.labels, 10)).to.deep.equal(new Array(10).fill(100));
    });

    it('holds the data its README checksums (uncompressed IDX sha256) and pixel sums', () => {
      const { train, test } = bundled;
      expect(sha256(encodeIdx({ shape: [6000, 28, 28], data: train.images }))).to.equal('f575e5cbf5d057676f0babed724fcc57e5729d7f8687be0152405182bd864f92');
      expect(sha256(encodeIdx({ shape: [6000], data: Uint8Array.from(train.labels) }))).to.equal('7175c6429ccdf2aa26af11303a6c55e20661b5107026b8d85d9543a45cc40a79');
      expect(sha256(encodeIdx({ shape: [1000, 28, 28], data: test.images }))).to.equal('4714775fa147894948a26aadc69af08b2a74e2fe1b3fd3e898790462406b3ce9');
      expect(sha256(encodeIdx({ shape: [1000], data: Uint8Array.from(test.labels) }))).to.equal('49539762c303253c041483939cde682f0fc7e1afeb4b0abf964e04ad17568e5c');
      // README: train mean 0.286036 in [0, 1] units, i.e. a byte sum of 343105425.
      expect(train.images.reduce((s, v) => s + v, 0)).to.equal(343105425);
    });

    it('is found from any working directory', () => {
      const cwd = process.cwd();
      try {
        process.chdir(tmp);
        expect(loadFashionMnist().source).to.equal(bundled.source);
      } finally {
        process.chdir(cwd);
      }
    });

    it('matches a fresh draw from the full set when it is installed', function () {
      if (!fs.existsSync(FULL_SET_DIR)) this.skip();
      const full = loadFashionMnist(FULL_SET_DIR);
      expect([full.train.n, full.test.n]).to.deep.equal([60000, 10000]);
      const redrawn = fashionMnistSubset(full);
      for (const split of ['train', 'test'] as const) {
        expect(Buffer.from(redrawn[split].images).equals(Buffer.from(bundled[split].images))).to.equal(true);
        expect(Array.from(redrawn[split].labels)).to.deep.equal(Array.from(bundled[split].labels));
      }
    });
  });

  describe('loading a folder', () => {
    function writeSplits(dir: string, suffix: string, skip: string[] = []): void {
      fs.mkdirSync(dir, { recursive: true });
      const F = FASHION_MNIST_FILES;
      writeImageDatasetIdx(bundled.train, path.join(dir, F.trainImages + suffix), path.join(dir, F.trainLabels + suffix));
      writeImageDatasetIdx(bundled.test, path.join(dir, F.testImages + suffix), path.join(dir, F.testLabels + suffix));
      for (const base of skip) fs.rmSync(path.join(dir, base + suffix));
    }

    it('reads the standard names uncompressed, with the same content', () => {
      const dir = path.join(tmp, 'plain');
      writeSplits(dir, '');
      const loaded = loadFashionMnist(dir);
      expect(loaded.source).to.equal(dir);
      expect(Buffer.from(loaded.test.images).equals(Buffer.from(bundled.test.images))).to.equal(true);
      expect(Array.from(loaded.train.labels)).to.deep.equal(Array.from(bundled.train.labels));
    });

    it('names the folder and every expected file when some are missing', () => {
      const dir = path.join(tmp, 'partial');
      writeSplits(dir, '', [FASHION_MNIST_FILES.testImages, FASHION_MNIST_FILES.testLabels]);
      expect(() => loadFashionMnist(dir)).to.throw(
        `Fashion-MNIST folder ${dir} lacks t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]; ` +
          'it must hold train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]',
      );
    });

    it('says when the folder does not exist', () => {
      const dir = path.join(tmp, 'absent');
      expect(() => loadFashionMnist(dir)).to.throw(`Fashion-MNIST folder ${dir} does not exist; it must hold train-images-idx3-ubyte[.gz]`);
    });

    it('names both files and both counts when image and label counts differ', () => {
      const dir = path.join(tmp, 'mismatch');
      // Plain files, except a gzip label file short by one: the two forms mix freely.
      writeSplits(dir, '', [FASHION_MNIST_FILES.testLabels]);
      const labels = path.join(dir, `${FASHION_MNIST_FILES.testLabels}.gz`);
      writeIdx(labels, { shape: [999], data: Uint8Array.from(bundled.test.labels.subarray(0, 999)) });
      const images = path.join(dir, FASHION_MNIST_FILES.testImages);
      expect(() => loadFashionMnist(dir)).to.throw(`image file ${images} has 1000 images but label file ${labels} has 999 labels`);
    });

    it('names the label file when a label is not a class', () => {
      const dir = path.join(tmp, 'bad-label');
      writeSplits(dir, '');
      const labels = path.join(dir, FASHION_MNIST_FILES.trainLabels);
      const data = Uint8Array.from(bundled.train.labels);
      data[17] = 10;
      writeIdx(labels, { shape: [6000], data });
      expect(() => loadFashionMnist(dir)).to.throw(`label file ${labels} has label 10 at index 17, but only 10 classes exist (0..9)`);
    });

    it('names the image file when it is not [N, H, W] or [N, H, W, C]', () => {
      const dir = path.join(tmp, 'flat');
      writeSplits(dir, '');
      const images = path.join(dir, FASHION_MNIST_FILES.trainImages);
      writeIdx(images, { shape: [6000 * 784], data: bundled.train.images });
      expect(() => loadFashionMnist(dir)).to.throw(`image file ${images} has shape [4704000]; expected [N, height, width]`);
    });
  });

  describe('balancedSubset and selectImages', () => {
    const labels = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 3);

    it('takes exactly perClass distinct indices of each class, ascending', () => {
      const idx = balancedSubset(labels, 20, new Rng(5));
      expect(idx).to.have.length(60);
      expect(new Set(idx).size).to.equal(60);
      expect(idx).to.deep.equal([...idx].sort((a, b) => a - b));
      expect(classCounts(Int32Array.from(idx, (i) => labels[i]), 3)).to.deep.equal([20, 20, 20]);
    });

    it('takes everything when perClass equals the class sizes', () => {
      expect(balancedSubset([1, 0, 1, 0, 2, 2], 2, new Rng(0))).to.deep.equal([0, 1, 2, 3, 4, 5]);
    });

    it('is deterministic for a seed and differs across seeds', () => {
      const a = balancedSubset(labels, 20, new Rng(5));
      expect(balancedSubset(labels, 20, new Rng(5))).to.deep.equal(a);
      expect(balancedSubset(labels, 20, new Rng(6))).to.not.deep.equal(a);
    });

    it('names the class that is too small', () => {
      expect(() => balancedSubset([0, 0, 0, 1, 2, 2], 2, new Rng(0))).to.throw('class 1 has 1 examples, fewer than the 2 per class');
      expect(() => balancedSubset([0, 0, 1, 1], 1, new Rng(0), 3)).to.throw('class 2 has 0 examples');
    });

    it('selectImages copies the chosen images and labels in the given order', () => {
      const ds = tinyDataset(4, [0, 1, 2, 1]);
      const sub = selectImages(ds, [3, 0]);
      expect(sub.n).to.equal(2);
      expect(Array.from(sub.images)).to.deep.equal([30, 31, 32, 33, 0, 1, 2, 3]);
      expect(Array.from(sub.labels)).to.deep.equal([1, 0]);
      expect(() => selectImages(ds, [4])).to.throw('index 4 is outside tiny, which has 4 images');
    });

    it('fashionMnistSubset honours per-class sizes and seed', () => {
      const ds = tinyDataset(300, Array.from(labels));
      const a = fashionMnistSubset({ train: ds, test: ds }, { trainPerClass: 5, testPerClass: 2, seed: 1 });
      expect([a.train.n, a.test.n]).to.deep.equal([15, 6]);
      expect(classCounts(a.test.labels, 3)).to.deep.equal([2, 2, 2]);
      const b = fashionMnistSubset({ train: ds, test: ds }, { trainPerClass: 5, testPerClass: 2, seed: 2 });
      expect(Array.from(b.train.images)).to.not.deep.equal(Array.from(a.train.images));
    });
  });
});
