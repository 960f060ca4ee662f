/**
 * Image datasets in memory (uint8 pixels, NHWC) and Fashion-MNIST loading: the
 * bundled balanced subset in `datasets/fashion-mnist/`, or the full set from a
 * folder with the standard IDX file names. Images feed the vision models of
 * spec §1.3; the linear probe of spec §7 uses the labels. Pixels stay uint8
 * here; the model normalises them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readIdx, writeIdx } from './idx';
import { Rng } from '../util/rng';
import { packageRoot } from '../util/package-root';

/** A labelled image set held in memory. */
export interface ImageDataset {
  /** Short identifier, e.g. `fashion-mnist/train`. */
  name: string;
  /** Pixels, `n·height·width·channels` bytes, row-major NHWC. */
  images: Uint8Array;
  /** Class index of each image, in `[0, classNames.length)`. */
  labels: Int32Array;
  /** Number of images. */
  n: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Channels per pixel (1 for grayscale). */
  channels: number;
  /** Human-readable name of each class index. */
  classNames: string[];
}

/** The 10 Fashion-MNIST classes, indexed by label (Zalando Research's README). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Standard Fashion-MNIST (and MNIST) file names, without the optional `.gz`. */
export const FASHION_MNIST_FILES = Object.freeze({
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
});

/** How the bundled subset was drawn (see `datasets/fashion-mnist/README.md`). */
export const FASHION_MNIST_SUBSET = Object.freeze({ trainPerClass: 600, testPerClass: 100, seed: 0 });

/** Absolute path of the bundled Fashion-MNIST subset, `<package root>/datasets/fashion-mnist`. */
export function bundledFashionMnistDir(): string {
  return path.join(packageRoot(), 'datasets', 'fashion-mnist');
}

/** Path of `base` or `base.gz` in `dir`, whichever exists (plain first), else undefined. */
function findIdxFile(dir: string, base: string): string | undefined {
  return [base, `${base}.gz`].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
}

/**
 * Read an image IDX file (`[N, H, W]` or `[N, H, W, C]`) and a label IDX file
 * (`[N]`) into an `ImageDataset`, checking that the counts agree and every
 * label names a class.
 */
export function imageDatasetFromIdx(name: string, imagesFile: string, labelsFile: string, classNames: readonly string[]): ImageDataset {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.shape.length !== 3 && images.shape.length !== 4) {
    throw new Error(`image file ${imagesFile} has shape [${images.shape.join(', ')}]; expected [N, height, width] or [N, height, width, channels].`);
  }
  if (labels.shape.length !== 1) {
    throw new Error(`label file ${labelsFile} has shape [${labels.shape.join(', ')}]; expected one dimension [N].`);
  }
  const [n, height, width, channels = 1] = images.shape;
  if (labels.shape[0] !== n) {
    throw new Error(
      `image file ${imagesFile} has ${n} images but label file ${labelsFile} has ${labels.shape[0]} labels; use the image and label files of the same split.`,
    );
  }
  const badAt = labels.data.findIndex((l) => l >= classNames.length);
  if (badAt >= 0) {
    throw new Error(`label file ${labelsFile} has label ${labels.data[badAt]} at index ${badAt}, but only ${classNames.length} classes exist (0..${classNames.length - 1}).`);
  }
  return { name, images: images.data, labels: Int32Array.from(labels.data), n, height, width, channels, classNames: [...classNames] };
}

/** Write an image dataset as two IDX files (gzip when a name ends in `.gz`); single-channel images are written as `[N, H, W]`. */
export function writeImageDatasetIdx(ds: ImageDataset, imagesFile: string, labelsFile: string): void {
  const shape = ds.channels === 1 ? [ds.n, ds.height, ds.width] : [ds.n, ds.height, ds.width, ds.channels];
  writeIdx(imagesFile, { shape, data: ds.images });
  if (ds.labels.some((l) => l < 0 || l > 255)) {
    throw new Error(`cannot write ${labelsFile}: labels of ${ds.name} must be in 0..255 to fit IDX unsigned bytes.`);
  }
  writeIdx(labelsFile, { shape: [ds.n], data: Uint8Array.from(ds.labels) });
}

/**
 * Load Fashion-MNIST. With no `dir`, the bundled balanced subset (6,000 train,
 * 1,000 test); with `dir` (e.g. `/usr/share/datasets/fashion-mnist`), the
 * files found there under the standard names, plain or `.gz`. `source` is the
 * absolute folder read.
 */
export function loadFashionMnist(dir?: string): { train: ImageDataset; test: ImageDataset; source: string } {
  const folder = path.resolve(dir ?? bundledFashionMnistDir());
  const names = Object.values(FASHION_MNIST_FILES);
  const found = names.map((base) => findIdxFile(folder, base));
  const missing = names.filter((_, i) => found[i] === undefined);
  if (missing.length > 0) {
    const why = fs.existsSync(folder) ? `lacks ${missing.map((m) => `${m}[.gz]`).join(', ')}` : 'does not exist';
    throw new Error(
      `Fashion-MNIST folder ${folder} ${why}; it must hold ${names.map((m) => `${m}[.gz]`).join(', ')} ` +
        `(on Debian: apt-get install dataset-fashion-mnist, then use /usr/share/datasets/fashion-mnist).`,
    );
  }
  const [trainImages, trainLabels, testImages, testLabels] = found as string[];
  return {
    train: imageDatasetFromIdx('fashion-mnist/train', trainImages, trainLabels, FASHION_MNIST_CLASSES),
    test: imageDatasetFromIdx('fashion-mnist/test', testImages, testLabels, FASHION_MNIST_CLASSES),
    source: folder,
  };
}

/**
 * Indices of a class-balanced random subset: `perClass` distinct indices of
 * each class `0..numClasses-1` (default: largest label + 1), drawn with `rng`,
 * returned in ascending order so the subset keeps the source order. Labels
 * outside `0..numClasses-1` are never picked.
 */
export function balancedSubset(labels: ArrayLike<number>, perClass: number, rng: Rng, numClasses?: number): number[] {
  let classes = numClasses ?? 0;
  if (numClasses === undefined) for (let i = 0; i < labels.length; i++) classes = Math.max(classes, labels[i] + 1);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= 0 && labels[i] < classes) byClass[labels[i]].push(i);
  }
  const picked: number[] = [];
  byClass.forEach((members, c) => {
    if (members.length < perClass) {
      throw new Error(`balancedSubset: class ${c} has ${members.length} examples, fewer than the ${perClass} per class asked for.`);
    }
    for (const k of rng.sampleWithoutReplacement(members.length, perClass)) picked.push(members[k]);
  });
  return picked.sort((a, b) => a - b);
}

/** A new dataset holding the images at `indices`, in that order. */
export function selectImages(ds: ImageDataset, indices: readonly number[], name = ds.name): ImageDataset {
  const size = ds.height * ds.width * ds.channels;
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, dst) => {
    if (!Number.isInteger(src) || src < 0 || src >= ds.n) {
      throw new Error(`selectImages: index ${src} is outside ${ds.name}, which has ${ds.n} images.`);
    }
    images.set(ds.images.subarray(src * size, (src + 1) * size), dst * size);
    labels[dst] = ds.labels[src];
  });
  return { ...ds, name, images, labels, n: indices.length, classNames: [...ds.classNames] };
}

/**
 * The bundled subset drawn from the full set: `trainPerClass` and
 * `testPerClass` images of each class, seeded (train drawn first, then test,
 * from one `Rng(seed)` stream). Defaults reproduce `datasets/fashion-mnist/`.
 */
export function fashionMnistSubset(
  full: { train: ImageDataset; test: ImageDataset },
  options: { trainPerClass?: number; testPerClass?: number; seed?: number } = {},
): { train: ImageDataset; test: ImageDataset } {
  const trainPerClass = options.trainPerClass ?? FASHION_MNIST_SUBSET.trainPerClass;
  const testPerClass = options.testPerClass ?? FASHION_MNIST_SUBSET.testPerClass;
  const rng = new Rng(options.seed ?? FASHION_MNIST_SUBSET.seed);
  const classes = full.train.classNames.length;
  const trainIdx = balancedSubset(full.train.labels, trainPerClass, rng, classes);
  const testIdx = balancedSubset(full.test.labels, testPerClass, rng, classes);
  return { train: selectImages(full.train, trainIdx), test: selectImages(full.test, testIdx) };
}
