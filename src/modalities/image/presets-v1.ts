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
import { variant } from '../preset-variant';
import { resolveRunFractions } from '../run-fractions';
import { BlockMask2dOptions, scaledBlockMaskParams } from '../../masking/block-mask-2d';
import { Data2VecV1Config } from '../../data2vec/data2vec-v1';
import { AugmentConfig } from './augment';
import { Normalization } from './image-batch';
import { BaseRunConfig } from '../recipe';
import { DEFAULT_LOADER, type LoaderConfig } from './folder-data';
import { IMAGENET_NORMALIZATION } from './image-transform';

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
  /** How image folders and shards are streamed (`folder-data.ts`); unused for Fashion-MNIST. */
  loader?: LoaderConfig;
}

/** Fashion-MNIST pixel statistics (bundled train split; the full set gives the same to 4 digits). */
export const FASHION_MNIST_NORMALIZATION: Normalization = { mean: [0.286], std: [0.353] };

const GRID = 28 / 4;

/** `base`: the paper's ViT-B recipe (data2vec_vision README) on 28×28 inputs with patches of 4. */
const base = (): ImageV1Config => ({
  modality: 'image', algo: 'v1', preset: 'base', seed: 0,
  normalize: FASHION_MNIST_NORMALIZATION,
  augment: { hflip: 0.5, cropScale: [0.08, 1], cropRatio: [3 / 4, 4 / 3] },
  model: {
    imageSize: [28, 28], channels: 1, patchSize: 4, dim: 768, depth: 12, heads: 12, mlpRatio: 4,
    layerScale: 1e-4, dropPath: 0.25, attnDropout: 0.05, sharedRelPosBias: true, absPosEmbed: false, eps: 1e-6,
  },
  masking: scaledBlockMaskParams(GRID, GRID),
  data2vec: {
    targets: { topK: 6, source: 'end', perLayerNorm: 'layer', finalNorm: 'layer' },
    loss: { beta: 2, reduction: 'mean', scale: 1 },
    ema: { tauStart: 0.9998, tauEnd: 0.9998, annealUpdates: 0 },
    headLayers: 1,
  },
  // constant τ (emaEnd 0); the collapse guard from update 5000 as in fairseq
  fractions: { warmup: 0.0125, emaEnd: 0, checkpointEvery: 0.1, collapseAfter: 0.05 },
  trainer: {
    updates: 100_000,
    batchSize: 256,
    accumulation: 1,
    optimizer: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 },
    noDecayNames: ['cls_token', 'pos_embed'],
    schedule: { kind: 'cosine', peakLr: 2e-3, warmupUpdates: 0, totalUpdates: 0, minLr: 1e-5 },
    clipNorm: 3.0,
    seed: 0,
    checkpointEvery: 0,
    collapse: { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: 0 },
  },
  evalBatchSize: 500,
});

/**
 * `base`: the paper's ViT-B/16 at 224×224×3 (data2vec_vision), for image folders and
 * shards (`--data DIR`, e.g. ImageNet's train/ + val/): ImageNet mean/std, random-resized-crop
 * 0.08–1 with bicubic resize, flip and colour jitter 0.4, BEiT block masks on the 14×14 grid.
 */
const imagenetBase = (): ImageV1Config => variant(base(), {
  normalize: { mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] },
  augment: { colourJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4 } },
  model: { imageSize: [224, 224], channels: 3, patchSize: 16 },
  masking: scaledBlockMaskParams(14, 14),
  evalBatchSize: 64,
  loader: { ...DEFAULT_LOADER },
});

/** Image data2vec 1.0 presets by name: `base` and what `small` and `tiny` change (counts resolved from `fractions`). */
export const IMAGE_V1_PRESETS: Record<string, () => ImageV1Config> = {
  tiny: () => resolveRunFractions(variant(base(), {
    preset: 'tiny',
    augment: { cropScale: [0.35, 1] },
    model: { dim: 64, depth: 4, heads: 4, layerScale: 0.1, dropPath: 0, attnDropout: 0, absPosEmbed: true },
    data2vec: { targets: { topK: 2 }, ema: { tauStart: 0.99, tauEnd: 0.999 } },
    fractions: { warmup: 0.1, emaEnd: 1, checkpointEvery: 50 / 300, collapseAfter: 0.5 },
    trainer: { updates: 300, batchSize: 64, schedule: { peakLr: 1e-3 } },
    evalBatchSize: 250,
  })),
  small: () => resolveRunFractions(variant(base(), {
    preset: 'small',
    model: { dim: 384, heads: 6, layerScale: 0.1, dropPath: 0.1, attnDropout: 0 },
    fractions: { collapseAfter: 0.1 },
    // 256 images per update as 4 micro-batches of 64, so an update fits the 4 GiB wasm heap (one batch of 256 does not; spec §6 batch, trap 6: one EMA step per update).
    trainer: { updates: 50_000, batchSize: 64, accumulation: 4 },
  })),
  'base-28': () => resolveRunFractions(variant(base(), { preset: 'base-28' })),
  base: () => resolveRunFractions(imagenetBase()),
};
