/**
 * The image data2vec 2.0 recipe (spec §1.3 "v2", §2.4, §2.5, Appendix A v2):
 * Fashion-MNIST (bundled subset or `--data DIR`), one augmented view per image (the
 * teacher sees it unmasked), M inverse block masks per image with exactly the same
 * count (`cloneMasks`), the shared v2 model with the image modality encoder and
 * `Decoder2d`, and mean-pooled final-block patch features for probing.
 */
import { LabelledSplit, Recipe, RunOverrides, PretrainSetup } from '../../run/recipe';
import { applyOverrides, presetFor } from '../../run/overrides';
import { ImageDataset } from '../../data/image-dataset';
import { sampleIndices, batchStart } from '../../data/batch-order';
import { inverseBlockMask2d } from '../../masking/inverse-block-mask-2d';
import { cloneMasks } from '../../masking/multi-mask';
import { Data2VecV2, V2Batch } from '../../data2vec/data2vec-v2';
import { makeMaskInfo } from '../../data2vec/v2-mask-info';
import { V2Backbone } from '../../data2vec/v2-backbone';
import { Decoder2d } from '../../nn/decoder-2d';
import { ImageEncoderV2, imageBackboneV2 } from './encoder-v2';
import { imageBatch } from './image-batch';
import { IMAGE_V2_PRESETS, ImageV2Config } from './presets-v2';
import { ImageData, loadImageData, rawPixelFeatures } from './recipe-v1';
import { LabelledFeatures } from '../../eval/features';
import { meanPooledFeatures } from '../../eval/pooled-features';
import { Module } from '../../nn/module';
import { Rng } from '../../util/rng';
import { imageLabelledSplit } from './labelled-split';

/** Checks the data matches the encoder's input shape. */
function checkShape(config: ImageV2Config, ds: ImageDataset): void {
  const [h, w] = config.model.imageSize;
  if (ds.height !== h || ds.width !== w || ds.channels !== config.model.channels) {
    throw new Error(`${ds.name} images are ${ds.height}x${ds.width}x${ds.channels} but the v2 ${config.preset} preset expects ${h}x${w}x${config.model.channels}.`);
  }
}

/** The v2 image model of a config (random init from `config.seed`). */
export function buildImageV2(config: ImageV2Config): Data2VecV2<ImageEncoderV2, Decoder2d> {
  const { patchSize, imageSize } = config.model;
  const grid: [number, number] = [imageSize[0] / patchSize, imageSize[1] / patchSize];
  return new Data2VecV2(
    (rng) => imageBackboneV2(config.model, rng),
    (rng) => new Decoder2d(config.decoder, config.model.dim, grid, rng),
    config.data2vec,
    new Rng(`${config.seed}:init`),
  );
}

export const imageV2Recipe: Recipe<ImageV2Config, ImageData> = {
  modality: 'image',
  algo: 'v2',
  presets: Object.keys(IMAGE_V2_PRESETS),

  config(preset: string, overrides: RunOverrides = {}): ImageV2Config {
    return applyOverrides(presetFor(IMAGE_V2_PRESETS, preset, 'image', 'v2'), overrides);
  },

  loadData: loadImageData,

  build(config: ImageV2Config, data: ImageData): PretrainSetup<V2Batch> {
    checkShape(config, data.train);
    const model = buildImageV2(config);
    const { batchSize, accumulation } = config.trainer;
    const [gh, gw] = model.encoder.modality.grid;
    const clones = config.data2vec.clones;
    const batches = (update: number, micro: number): V2Batch => {
      const rng = new Rng(`${config.seed}:batch:${update}:${micro}`);
      const idx = sampleIndices(data.train.n, batchStart(update, micro, batchSize, accumulation), batchSize, `${config.seed}:order`);
      const input = imageBatch(data.train, idx, config.normalize, config.augment, rng);
      const masks = cloneMasks(batchSize, clones, (m, r) => inverseBlockMask2d({ batch: m, height: gh, width: gw }, r, config.masking), rng);
      return { input, mask: makeMaskInfo(masks, clones) };
    };
    return { objective: model, batches, encoder: model.encoder };
  },

  features(encoder: Module, config: ImageV2Config, data: ImageData, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): LabelledFeatures {
    const ds = split === 'train' ? data.train : data.test;
    checkShape(config, ds);
    const enc = encoder as V2Backbone<ImageEncoderV2>;
    return meanPooledFeatures(ds.n, ds.labels, config.evalBatchSize, (idx) => enc.forward(imageBatch(ds, idx, config.normalize)).out, onProgress);
  },

  rawFeatures(config: ImageV2Config, data: ImageData, split: 'train' | 'test'): LabelledFeatures {
    return rawPixelFeatures(split === 'train' ? data.train : data.test, config.normalize);
  },

  labelledSplit(config: ImageV2Config, data: ImageData, split: 'train' | 'test'): LabelledSplit {
    const ds = split === 'train' ? data.train : data.test;
    checkShape(config, ds);
    return imageLabelledSplit(ds, config);
  },
};
