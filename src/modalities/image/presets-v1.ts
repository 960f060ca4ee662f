/**
 * data2vec 1.0 image presets (spec §1.3, §2.3, §3.2, §4.1, §5.1, §6; data2vec_vision
 * README ViT-B commands). `base` and `small` keep the paper's recipe (ViT-B/ViT-S
 * widths, top-6-of-12 end-of-block targets with per-layer and final LN, smooth L1
 * β=2 averaged, constant τ = 0.9998, AdamW lr 2e-3 wd 0.05, cosine, clip 3) on the
 * data set's own resolution; `tiny` shrinks the network and the schedule so a run
 * finishes in minutes on a laptop CPU (documented departures: τ annealed 0.99 → 0.999
 * because a few hundred updates cannot use 0.9998; no drop-path; layer scale 0.1;
 * learned absolute positions (data2vec_vision's `--abs_pos_emb` option) beside the
 * relative position bias, because a bias that starts at zero learns too slowly in
 * 300 updates: with them the mean-pooled probe after 300 updates rose from 45 % to 56 %).
 */
import { ImageEncoderV1Config } from './encoder-v1';
import { BlockMask2dOptions, scaledBlockMaskParams } from '../../masking/block-mask-2d';
import { Data2VecV1Config } from '../../data2vec/data2vec-v1';
import { TrainerConfig } from '../../train/trainer';
import { AugmentConfig } from './augment';
import { Normalization } from './image-batch';
import { BaseRunConfig } from '../../run/recipe';

export interface ImageV1Config extends BaseRunConfig {
  modality: 'image';
  algo: 'v1';
  normalize: Normalization;
  augment: AugmentConfig;
  model: ImageEncoderV1Config;
  masking: Required<BlockMask2dOptions>;
  data2vec: Data2VecV1Config;
  /** Batch size for feature extraction. */
  evalBatchSize: number;
}

/** Fashion-MNIST pixel statistics (bundled train split; the full set gives the same to 4 digits). */
export const FASHION_MNIST_NORMALIZATION: Normalization = { mean: [0.286], std: [0.353] };

const grid = (imageSize: number, patch: number) => imageSize / patch;

function encoder(dim: number, depth: number, heads: number, layerScale: number, dropPath: number, attnDropout: number, absPosEmbed = false): ImageEncoderV1Config {
  return {
    imageSize: [28, 28], channels: 1, patchSize: 4, dim, depth, heads, mlpRatio: 4,
    layerScale, dropPath, attnDropout, sharedRelPosBias: true, absPosEmbed, eps: 1e-6,
  };
}

function trainer(updates: number, batchSize: number, peakLr: number, warmupFraction: number, shortRun: boolean): TrainerConfig {
  return {
    updates,
    batchSize,
    accumulation: 1,
    optimizer: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 },
    noDecayNames: ['cls_token', 'pos_embed'],
    schedule: { kind: 'cosine', peakLr, warmupUpdates: Math.round(updates * warmupFraction), totalUpdates: updates, minLr: 1e-5 },
    clipNorm: 3.0,
    seed: 0,
    checkpointEvery: Math.max(50, Math.round(updates / 10)),
    collapse: { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: shortRun ? Math.min(5000, Math.round(updates / 2)) : 5000 },
  };
}

const PAPER_DATA2VEC: Data2VecV1Config = {
  targets: { topK: 6, source: 'end', perLayerNorm: 'layer', finalNorm: 'layer' },
  loss: { beta: 2, reduction: 'mean', scale: 1 },
  ema: { tauStart: 0.9998, tauEnd: 0.9998, annealUpdates: 0 },
  headLayers: 1,
};

const AUGMENT: AugmentConfig = { hflip: 0.5, cropScale: [0.08, 1], cropRatio: [3 / 4, 4 / 3] };

export const IMAGE_V1_PRESETS: Record<string, () => ImageV1Config> = {
  tiny: () => ({
    modality: 'image', algo: 'v1', preset: 'tiny', seed: 0,
    normalize: FASHION_MNIST_NORMALIZATION,
    augment: { hflip: 0.5, cropScale: [0.35, 1], cropRatio: [3 / 4, 4 / 3] },
    model: encoder(64, 4, 4, 0.1, 0, 0, true),
    masking: scaledBlockMaskParams(grid(28, 4), grid(28, 4)),
    data2vec: {
      targets: { topK: 2, source: 'end', perLayerNorm: 'layer', finalNorm: 'layer' },
      loss: { beta: 2, reduction: 'mean', scale: 1 },
      ema: { tauStart: 0.99, tauEnd: 0.999, annealUpdates: 300 },
      headLayers: 1,
    },
    trainer: trainer(300, 64, 1e-3, 0.1, true),
    evalBatchSize: 250,
  }),
  small: () => ({
    modality: 'image', algo: 'v1', preset: 'small', seed: 0,
    normalize: FASHION_MNIST_NORMALIZATION, augment: AUGMENT,
    model: encoder(384, 12, 6, 0.1, 0.1, 0.0),
    masking: scaledBlockMaskParams(grid(28, 4), grid(28, 4)),
    data2vec: PAPER_DATA2VEC,
    trainer: trainer(50_000, 256, 2e-3, 0.0125, false),
    evalBatchSize: 500,
  }),
  base: () => ({
    modality: 'image', algo: 'v1', preset: 'base', seed: 0,
    normalize: FASHION_MNIST_NORMALIZATION, augment: AUGMENT,
    model: encoder(768, 12, 12, 1e-4, 0.25, 0.05),
    masking: scaledBlockMaskParams(grid(28, 4), grid(28, 4)),
    data2vec: PAPER_DATA2VEC,
    trainer: trainer(100_000, 256, 2e-3, 0.0125, false),
    evalBatchSize: 500,
  }),
};
