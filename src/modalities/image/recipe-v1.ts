/**
 * The image data2vec 1.0 recipe (spec §1.3, §2.3, Appendix A v1): Fashion-MNIST
 * (bundled subset or `--data DIR`), BEiT block masks per sample, one augmented view
 * shared by student and teacher (trap 23), the BEiT-style encoder, and
 * mean-pooled final-layer features for probing.
 */
import * as tf from '@tensorflow/tfjs';
import { RecipeData } from '../recipe';
import { Rng } from '../../util/rng';
import { defineRecipe, v1Model } from '../define-recipe';
import { ImageDataset, loadFashionMnist } from '../../data/image-dataset';
import { Data2VecV1 } from '../../data2vec/data2vec-v1';
import { ImageEncoderV1 } from './encoder-v1';
import { Normalization, checkNormalization, imageBatch, normalizePixels } from './image-batch';
import { imageV1Batches } from './batches';
import { imageProbeSubset } from './probe-subset';
import { imageLabelledSplit } from './labelled-split';
import { IMAGE_V1_PRESETS, ImageV1Config } from './presets-v1';
import { LabelledFeatures } from '../../eval/features';
import { meanPooledFeatures } from '../../eval/pooled-features';
import * as path from 'path';
import { isShardSpec } from '../../data/tar-shards';
import { DEFAULT_LOADER, ImageFolderSource, LoaderConfig, isImageCorpus, openImageCorpus, streamedImageFeatures, streamedImages, streamedSplit, trainTransform } from './folder-data';

export interface ImageData extends RecipeData {
  train: ImageDataset;
  test: ImageDataset;
  /** Set when `--data` is an image folder or shards: the splits above then hold sizes and labels only, pixels stream from here. */
  source?: ImageFolderSource;
}

/** What loading reads from a config: the data path, and for image folders the view and the loader. */
type ImageLoadConfig = { data?: string; seed?: number; loader?: LoaderConfig; model?: { imageSize: [number, number]; channels: number } };

/**
 * Load the config's data: Fashion-MNIST (bundled subset, or IDX files in `data`),
 * or, when `data` is a folder of images or `.tar` shards, a streamed corpus (`folder-data.ts`).
 */
export function loadImageData(config: ImageLoadConfig): ImageData {
  if (config.data && (isShardSpec(config.data) || isImageCorpus(config.data))) return loadImageCorpus(config.data, config);
  const { train, test, source } = loadFashionMnist(config.data);
  return {
    train, test, trainSize: train.n, testSize: test.n, numClasses: train.classNames.length,
    describe: `Fashion-MNIST from ${source}: ${train.n} train / ${test.n} test images, ${train.height}x${train.width}x${train.channels}`,
  };
}

function loadImageCorpus(dir: string, config: ImageLoadConfig): ImageData {
  const loader = config.loader ?? DEFAULT_LOADER;
  const source = openImageCorpus(dir, loader, config.seed ?? 0);
  const [size] = config.model?.imageSize ?? [224, 224];
  const channels = config.model?.channels === 1 ? 1 : 3;
  const classes = source.classNames.length > 0 ? source.classNames : ['(unlabelled)'];
  const train = streamedSplit(`${path.basename(source.root)}/train`, source.train, size, channels, classes);
  const test = streamedSplit(`${path.basename(source.root)}/test`, source.test, size, channels, classes);
  const what = source.kind === 'shards' ? `${source.shards.length} .tar shards` : `${train.n} train / ${test.n} test images in ${source.classNames.length} classes (${source.skips.summary()})`;
  return { train, test, source, skips: source.skips, trainSize: train.n, testSize: test.n, numClasses: source.classNames.length, describe: `images from ${source.root}: ${what}, streamed at ${size}x${size}x${channels}` };
}

/** Checks both splits match the encoder's input shape (`model.imageSize`, `model.channels`), and `normalize` has a value per channel. */
export function checkImageShape(config: { preset: string; algo: string; model: { imageSize: [number, number]; channels: number }; normalize?: Normalization }, data: ImageData): void {
  const [h, w] = config.model.imageSize;
  if (config.normalize) checkNormalization(config.normalize, config.model.channels);
  for (const ds of [data.train, data.test]) {
    if (ds.height !== h || ds.width !== w || ds.channels !== config.model.channels) {
      throw new Error(`${ds.name} images are ${ds.height}x${ds.width}x${ds.channels} but the ${config.algo} ${config.preset} preset expects ${h}x${w}x${config.model.channels} (model.imageSize, model.channels); give matching data with --data or set those fields to the data's shape.`);
    }
  }
}

/** Raw normalised pixels as features (the baseline a linear probe should beat or match). */
export function rawPixelFeatures(ds: ImageDataset, norm: { mean: number[]; std: number[] }): LabelledFeatures {
  if (ds.images.length === 0 && ds.n > 0) throw new Error(`--raw is not available for streamed image folders (${ds.name}): their pixels are never held in memory.`);
  const dim = ds.height * ds.width * ds.channels;
  const x = new Float32Array(ds.n * dim);
  normalizePixels(ds.images, ds.channels, norm, x);
  return { x, y: ds.labels, n: ds.n, dim };
}

/** Mean-pooled final outputs of an image encoder (v1 or v2) over a split, unaugmented. */
export function imageFeatures(
  encoder: { forward(x: tf.Tensor4D): { out: tf.Tensor } },
  config: { normalize: ImageV1Config['normalize']; evalBatchSize: number; model: { imageSize: [number, number]; channels: number }; augment: ImageV1Config['augment']; loader?: LoaderConfig },
  data: ImageData,
  split: 'train' | 'test',
  onProgress?: (done: number, total: number) => void,
): Promise<LabelledFeatures> {
  if (data.source) {
    return streamedImageFeatures((x) => encoder.forward(x).out, data.source, split, trainTransform(config), config.normalize, config.evalBatchSize, config.loader ?? DEFAULT_LOADER, onProgress);
  }
  const ds = split === 'train' ? data.train : data.test;
  return meanPooledFeatures(ds.n, ds.labels, config.evalBatchSize, (idx) => encoder.forward(imageBatch(ds, idx, config.normalize)).out, onProgress);
}

/** `--modality image --algo v1`: presets tiny, small, base (see `presets-v1.ts`). */
export const imageV1Recipe = defineRecipe({
  modality: 'image',
  algo: 'v1',
  presets: IMAGE_V1_PRESETS,
  loadData: loadImageData,
  check: checkImageShape,
  model: v1Model((config: ImageV1Config, rng: Rng) => new ImageEncoderV1(config.model, rng)),
  batches: (config: ImageV1Config, data: ImageData, model: Data2VecV1<ImageEncoderV1>) => imageV1Batches(config, data.train, model.encoder.grid, streamedImages(config, data.source)),
  features: (encoder, config, data, split, onProgress) => imageFeatures(encoder as ImageEncoderV1, config, data, split, onProgress),
  rawFeatures: (config, data, split) => rawPixelFeatures(split === 'train' ? data.train : data.test, config.normalize),
  labelledSplit: (config, data, split) => imageLabelledSplit(split === 'train' ? data.train : data.test, config),
  probeSubset: imageProbeSubset,
});
