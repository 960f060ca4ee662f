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
import { imageBatch } from './image-batch';
import { imageV1Batches } from './batches';
import { imageProbeSubset } from './probe-subset';
import { IMAGE_V1_PRESETS, ImageV1Config } from './presets-v1';
import { LabelledFeatures } from '../../eval/features';
import { meanPooledFeatures } from '../../eval/pooled-features';

export interface ImageData extends RecipeData {
  train: ImageDataset;
  test: ImageDataset;
}

/** Load Fashion-MNIST as the config says (bundled subset unless `data` names a folder). */
export function loadImageData(config: { data?: string }): ImageData {
  const { train, test, source } = loadFashionMnist(config.data);
  return {
    train, test, trainSize: train.n, testSize: test.n, numClasses: train.classNames.length,
    describe: `Fashion-MNIST from ${source}: ${train.n} train / ${test.n} test images, ${train.height}x${train.width}x${train.channels}`,
  };
}

/** Checks both splits match the encoder's input shape (`model.imageSize`, `model.channels`). */
export function checkImageShape(config: { preset: string; algo: string; model: { imageSize: [number, number]; channels: number } }, data: ImageData): void {
  const [h, w] = config.model.imageSize;
  for (const ds of [data.train, data.test]) {
    if (ds.height !== h || ds.width !== w || ds.channels !== config.model.channels) {
      throw new Error(`${ds.name} images are ${ds.height}x${ds.width}x${ds.channels} but the ${config.algo} ${config.preset} preset expects ${h}x${w}x${config.model.channels} (model.imageSize, model.channels); give matching data with --data or set those fields to the data's shape.`);
    }
  }
}

/** Raw normalised pixels as features (the baseline a linear probe should beat or match). */
export function rawPixelFeatures(ds: ImageDataset, norm: { mean: number[]; std: number[] }): LabelledFeatures {
  const dim = ds.height * ds.width * ds.channels;
  const x = new Float32Array(ds.n * dim);
  for (let i = 0; i < x.length; i++) {
    const k = i % ds.channels;
    x[i] = (ds.images[i] / 255 - norm.mean[k]) / norm.std[k];
  }
  return { x, y: ds.labels, n: ds.n, dim };
}

/** Mean-pooled final outputs of an image encoder (v1 or v2) over a split, unaugmented. */
export function imageFeatures(encoder: { forward(x: tf.Tensor4D): { out: tf.Tensor } }, config: { normalize: ImageV1Config['normalize']; evalBatchSize: number }, data: ImageData, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): Promise<LabelledFeatures> {
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
  batches: (config: ImageV1Config, data: ImageData, model: Data2VecV1<ImageEncoderV1>) => imageV1Batches(config, data.train, model.encoder.grid),
  features: (encoder, config, data, split, onProgress) => imageFeatures(encoder as ImageEncoderV1, config, data, split, onProgress),
  rawFeatures: (config, data, split) => rawPixelFeatures(split === 'train' ? data.train : data.test, config.normalize),
  probeSubset: imageProbeSubset,
});
