/**
 * data2vec 2.0 image presets (spec §1.1, §1.3 "v2", §2.4, §3.2, §4.1, §5.2–5.3, §6;
 * fairseq `config/v2/base_images_only_task.yaml`) on the same Fashion-MNIST data as
 * the v1 presets (28×28, patch 4 → a 7×7 grid).
 *
 * `base` keeps the reference: 768 wide, 12 heads, 2 prenet + 10 main post-LN blocks,
 * 16 clones, decoder 768 × 6 layers (kernel 3, groups 16), targets = instance norm
 * per layer → average of all 10 main blocks → layer norm, L2 × 1/√D, CLS loss 0.01,
 * τ 0.9998 → 0.99999 over 100k updates, Adam β (0.9, 0.95) lr 1e-3 wd 0.05 (no decay on
 * 1-D, biases, alibi_scale), cosine with 50,040 warm-up updates of 375,300, clip 4.
 * `small` is the same at ViT-S width (384, 6 heads). `tiny` shrinks everything to
 * train in minutes on a CPU: 64 wide, 4 heads, 1 prenet + 3 main blocks, 8 clones of
 * 32 images, decoder 64 × 2 layers (groups 8), 600 updates; τ 0.99 → 0.999 (as the
 * v1 tiny preset: a few hundred updates cannot use 0.9998).
 *
 * Masking on the 7×7 grid: the reference inverse block mask (mask_prob 0.8, adjust
 * 0.07) keeps int(49·0.2) = 9 patches and masks 40 (81.6 %, base on 14×14: 39 kept,
 * 157 masked). Blocks of 3 on 7×7 would give a single visible island
 * (int(49·0.27/9) = 1 centre) covering 18 % of the image; blocks of 2 give
 * int(49·0.27/4) = 3 centres of 2×2, i.e. a few small islands as the reference's 5
 * blocks of 3×3 on 14×14 do, so every preset here uses `maskLength: 2`.
 */
import { ImageEncoderV2Config } from './encoder-v2';
import { ConvDecoderConfig } from '../../nn/decoders';
import { InverseBlockMask2dOptions, INVERSE_BLOCK_MASK_2D_DEFAULTS } from '../../masking/inverse-block-mask-2d';
import { Data2VecV2Config } from '../../data2vec/data2vec-v2';
import { TrainerConfig } from '../../train/trainer';
import { AugmentConfig } from './augment';
import { Normalization } from './image-batch';
import { BaseRunConfig } from '../../run/recipe';
import { FASHION_MNIST_NORMALIZATION } from './presets-v1';

export interface ImageV2Config extends BaseRunConfig {
  modality: 'image';
  algo: 'v2';
  normalize: Normalization;
  augment: AugmentConfig;
  model: ImageEncoderV2Config;
  decoder: ConvDecoderConfig;
  masking: InverseBlockMask2dOptions;
  data2vec: Data2VecV2Config;
  /** Batch size for feature extraction. */
  evalBatchSize: number;
}

/** The reference inverse block mask with blocks of 2 for the 7×7 grid (see the file header). */
export const IMAGE_V2_MASKING_7X7: Readonly<InverseBlockMask2dOptions> = Object.freeze({ ...INVERSE_BLOCK_MASK_2D_DEFAULTS, maskLength: 2 });

function model(dim: number, heads: number, prenetDepth: number, depth: number): ImageEncoderV2Config {
  return { imageSize: [28, 28], channels: 1, patchSize: 4, dim, heads, mlpRatio: 4, prenetDepth, depth, eps: 1e-6, dropout: 0, attnDropout: 0, layerdrop: 0 };
}

function data2vec(clones: number, depth: number, ema: Data2VecV2Config['ema']): Data2VecV2Config {
  return {
    clones,
    targets: { topK: depth, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'layer' },
    loss: { beta: 0, reduction: 'sum', scale: 'invSqrtDim' },
    ema,
    clsLoss: 0.01,
    maskNoiseStd: 0.01,
    decoderInputDropout: 0,
    teacherInput: 'raw',
  };
}

function trainer(updates: number, warmupUpdates: number, batchSize: number, peakLr: number, shortRun: boolean): TrainerConfig {
  return {
    updates,
    batchSize,
    accumulation: 1,
    optimizer: { betas: [0.9, 0.95], eps: 1e-6, weightDecay: 0.05 },
    noDecayNames: ['alibi_scale'],
    schedule: { kind: 'cosine', peakLr, warmupUpdates, totalUpdates: updates, minLr: 1e-6 },
    clipNorm: 4,
    seed: 0,
    checkpointEvery: Math.max(50, Math.round(updates / 10)),
    // v2 image configs switch the collapse guard off (min_target_var = min_pred_var = 0); here it only warns.
    collapse: { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: shortRun ? Math.min(5000, Math.round(updates / 2)) : 5000 },
  };
}

const REFERENCE_AUGMENT: AugmentConfig = { hflip: 0.5, cropScale: [0.2, 1], cropRatio: [3 / 4, 4 / 3] };
const REFERENCE_EMA = { tauStart: 0.9998, tauEnd: 0.99999, annealUpdates: 100_000 };

export const IMAGE_V2_PRESETS: Record<string, () => ImageV2Config> = {
  tiny: () => ({
    modality: 'image', algo: 'v2', preset: 'tiny', seed: 0,
    normalize: FASHION_MNIST_NORMALIZATION,
    augment: { hflip: 0.5, cropScale: [0.35, 1], cropRatio: [3 / 4, 4 / 3] },
    model: model(64, 4, 1, 3),
    decoder: { dim: 64, kernel: 3, layers: 2, groups: 8, residual: true, projectionLayers: 1 },
    masking: { ...IMAGE_V2_MASKING_7X7 },
    data2vec: data2vec(8, 3, { tauStart: 0.99, tauEnd: 0.999, annealUpdates: 600 }),
    trainer: trainer(600, 60, 32, 1e-3, true),
    evalBatchSize: 250,
  }),
  small: () => ({
    modality: 'image', algo: 'v2', preset: 'small', seed: 0,
    normalize: FASHION_MNIST_NORMALIZATION, augment: REFERENCE_AUGMENT,
    model: model(384, 6, 2, 10),
    decoder: { dim: 384, kernel: 3, layers: 6, groups: 16, residual: true, projectionLayers: 1 },
    masking: { ...IMAGE_V2_MASKING_7X7 },
    data2vec: data2vec(16, 10, REFERENCE_EMA),
    trainer: trainer(375_300, 50_040, 256, 1e-3, false),
    evalBatchSize: 500,
  }),
  base: () => ({
    modality: 'image', algo: 'v2', preset: 'base', seed: 0,
    normalize: FASHION_MNIST_NORMALIZATION, augment: REFERENCE_AUGMENT,
    model: model(768, 12, 2, 10),
    decoder: { dim: 768, kernel: 3, layers: 6, groups: 16, residual: true, projectionLayers: 1 },
    masking: { ...IMAGE_V2_MASKING_7X7 },
    data2vec: data2vec(16, 10, REFERENCE_EMA),
    trainer: trainer(375_300, 50_040, 256, 1e-3, false),
    evalBatchSize: 500,
  }),
};
