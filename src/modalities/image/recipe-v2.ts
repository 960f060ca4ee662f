/**
 * The image data2vec 2.0 recipe (spec §1.3 "v2", §2.4, §2.5, Appendix A v2):
 * Fashion-MNIST (bundled subset or `--data DIR`), one augmented view per image (the
 * teacher sees it unmasked), M inverse block masks per image with exactly the same
 * count (`cloneMasks`), the shared v2 model with the image modality encoder and
 * `Decoder2d`, and mean-pooled final-block patch features for probing.
 */
import { Rng } from '../../util/rng';
import { defineRecipe, v2Model } from '../define-recipe';
import { Data2VecV2 } from '../../data2vec/data2vec-v2';
import { V2Backbone } from '../../data2vec/v2-backbone';
import { Decoder2d } from '../../nn/decoder-2d';
import { ImageEncoderV2, imageBackboneV2 } from './encoder-v2';
import { imageV2Batches } from './batches';
import { imageProbeSubset } from './probe-subset';
import { IMAGE_V2_PRESETS, ImageV2Config } from './presets-v2';
import { ImageData, checkImageShape, imageFeatures, loadImageData, rawPixelFeatures } from './recipe-v1';

/** The patch grid of a v2 image config. */
function grid(config: ImageV2Config): [number, number] {
  const { patchSize, imageSize } = config.model;
  return [imageSize[0] / patchSize, imageSize[1] / patchSize];
}

/** `--modality image --algo v2`: presets tiny, small, base (see `presets-v2.ts`). */
export const imageV2Recipe = defineRecipe({
  modality: 'image',
  algo: 'v2',
  presets: IMAGE_V2_PRESETS,
  loadData: loadImageData,
  check: checkImageShape,
  model: v2Model(
    (config: ImageV2Config, rng: Rng) => imageBackboneV2(config.model, rng),
    (config: ImageV2Config, rng: Rng) => new Decoder2d(config.decoder, config.model.dim, grid(config), rng),
  ),
  batches: (config: ImageV2Config, data: ImageData, model: Data2VecV2<ImageEncoderV2, Decoder2d>) => imageV2Batches(config, data.train, model.encoder.modality.grid),
  features: (encoder, config, data, split, onProgress) => imageFeatures(encoder as V2Backbone<ImageEncoderV2>, config, data, split, onProgress),
  rawFeatures: (config, data, split) => rawPixelFeatures(split === 'train' ? data.train : data.test, config.normalize),
  probeSubset: imageProbeSubset,
});

/** The v2 image model of a config (random init from `config.seed`). */
export const buildImageV2 = (config: ImageV2Config) => imageV2Recipe.model(config);
