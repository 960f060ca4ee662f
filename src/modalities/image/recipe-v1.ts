/**
 * The image data2vec 1.0 recipe (spec §1.3, §2.3, Appendix A v1): Fashion-MNIST
 * (bundled subset or `--data DIR`), BEiT block masks per sample, one augmented view
 * shared by student and teacher (trap 23), the BEiT-style encoder, and
 * mean-pooled final-layer features for probing.
 */
import * as tf from '@tensorflow/tfjs';
import { LabelledSplit, Recipe, RecipeData, RunOverrides, PretrainSetup } from '../../run/recipe';
import { applyOverrides, presetFor } from '../../run/overrides';
import { ImageDataset, loadFashionMnist } from '../../data/image-dataset';
import { sampleIndices, batchStart } from '../../data/batch-order';
import { blockMask2d } from '../../masking/block-mask-2d';
import { Data2VecV1, V1Batch } from '../../data2vec/data2vec-v1';
import { ImageEncoderV1 } from './encoder-v1';
import { imageBatch } from './image-batch';
import { IMAGE_V1_PRESETS, ImageV1Config } from './presets-v1';
import { LabelledFeatures } from '../../eval/features';
import { Module } from '../../nn/module';
import { Rng } from '../../util/rng';
import { meanPooledFeatures } from '../../eval/pooled-features';
import { imageLabelledSplit } from './labelled-split';

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

/** Checks the data matches the encoder's input shape. */
function checkShape(config: ImageV1Config, ds: ImageDataset): void {
  const [h, w] = config.model.imageSize;
  if (ds.height !== h || ds.width !== w || ds.channels !== config.model.channels) {
    throw new Error(`${ds.name} images are ${ds.height}x${ds.width}x${ds.channels} but the ${config.preset} preset expects ${h}x${w}x${config.model.channels}.`);
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

export const imageV1Recipe: Recipe<ImageV1Config, ImageData> = {
  modality: 'image',
  algo: 'v1',
  presets: Object.keys(IMAGE_V1_PRESETS),

  config(preset: string, overrides: RunOverrides = {}): ImageV1Config {
    return applyOverrides(presetFor(IMAGE_V1_PRESETS, preset, 'image', 'v1'), overrides);
  },

  loadData: loadImageData,

  build(config: ImageV1Config, data: ImageData): PretrainSetup<V1Batch> {
    checkShape(config, data.train);
    const model = new Data2VecV1((rng) => new ImageEncoderV1(config.model, rng), config.data2vec, new Rng(`${config.seed}:init`));
    const { batchSize, accumulation } = config.trainer;
    const [gh, gw] = model.encoder.grid;
    const batches = (update: number, micro: number): V1Batch => {
      const rng = new Rng(`${config.seed}:batch:${update}:${micro}`);
      const idx = sampleIndices(data.train.n, batchStart(update, micro, batchSize, accumulation), batchSize, `${config.seed}:order`);
      const images = imageBatch(data.train, idx, config.normalize, config.augment, rng);
      const m = blockMask2d({ batch: batchSize, height: gh, width: gw }, rng, config.masking);
      const mask = tf.tensor2d(Float32Array.from(m.data), [batchSize, gh * gw]);
      return { studentInput: images, teacherInput: images, mask, lossMask: mask };
    };
    return { objective: model, batches, encoder: model.encoder };
  },

  features(encoder: Module, config: ImageV1Config, data: ImageData, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): LabelledFeatures {
    const ds = split === 'train' ? data.train : data.test;
    checkShape(config, ds);
    const enc = encoder as ImageEncoderV1;
    return meanPooledFeatures(ds.n, ds.labels, config.evalBatchSize, (idx) => enc.forward(imageBatch(ds, idx, config.normalize)).out, onProgress);
  },

  rawFeatures(config: ImageV1Config, data: ImageData, split: 'train' | 'test'): LabelledFeatures {
    return rawPixelFeatures(split === 'train' ? data.train : data.test, config.normalize);
  },

  labelledSplit(config: ImageV1Config, data: ImageData, split: 'train' | 'test'): LabelledSplit {
    const ds = split === 'train' ? data.train : data.test;
    checkShape(config, ds);
    return imageLabelledSplit(ds, config);
  },
};
