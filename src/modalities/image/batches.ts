/**
 * The image pretraining micro-batches, v1 and v2 (spec §2.3, §2.4, §2.5): images in
 * the run's seeded order, augmented (`augment.ts`) and normalised (`image-batch.ts`)
 * with the micro-batch's generator, then masked with the same generator: BEiT block
 * masks for v1 (student and teacher see the same view, trap 23), `clones` inverse
 * block masks per image with the same count for v2.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/image-dataset';
import { batchStart, sampleIndices } from '../../data/batch-order';
import { BlockMask2dOptions, blockMask2d } from '../../masking/block-mask-2d';
import { InverseBlockMask2dOptions, inverseBlockMask2d } from '../../masking/inverse-block-mask-2d';
import { cloneMasks } from '../../masking/multi-mask';
import { V1Batch } from '../../data2vec/data2vec-v1';
import { V2Batch } from '../../data2vec/data2vec-v2';
import { makeMaskInfo } from '../../data2vec/v2-mask-info';
import { Rng } from '../../util/rng';
import { AugmentConfig } from './augment';
import { Normalization, imageBatch } from './image-batch';
import { withPrepare } from '../../data/streamed-batches';

/** What the image batches read from a run config. */
export interface ImageBatchConfig {
  seed: number;
  normalize: Normalization;
  augment: AugmentConfig;
  trainer: { batchSize: number; accumulation: number };
}

/**
 * The augmented training images of micro-batch (update, micro): `trainer.batchSize`
 * images in the run's seeded order (`${seed}:order`), augmented with `rng`.
 */
export function sampledImageBatch(
  ds: ImageDataset,
  update: number,
  micro: number,
  config: ImageBatchConfig,
  rng: Rng,
): tf.Tensor4D {
  const { batchSize, accumulation } = config.trainer;
  const idx = sampleIndices(ds.n, batchStart(update, micro, batchSize, accumulation), batchSize, `${config.seed}:order`);
  return imageBatch(ds, idx, config.normalize, config.augment, rng);
}

/** Where a micro-batch's images come from: in-memory images by default, or a stream with `prepare` (`folder-data.ts`). */
export type ImageSource = ((update: number, micro: number, rng: Rng) => tf.Tensor4D) & { prepare?: (update: number) => Promise<void> };

/** v1 micro-batches: one augmented view and a block mask per image on the `grid` of patches. */
export function imageV1Batches(config: ImageBatchConfig & { masking: Required<BlockMask2dOptions> }, ds: ImageDataset, grid: [number, number], images?: ImageSource): (update: number, micro: number, rng: Rng) => V1Batch {
  const [gh, gw] = grid;
  const { batchSize } = config.trainer;
  return withPrepare((update: number, micro: number, rng: Rng): V1Batch => {
    const input = images ? images(update, micro, rng) : sampledImageBatch(ds, update, micro, config, rng);
    const m = blockMask2d({ batch: batchSize, height: gh, width: gw }, rng, config.masking);
    const mask = tf.tensor2d(Float32Array.from(m.data), [batchSize, gh * gw]);
    return { studentInput: input, teacherInput: input, mask, lossMask: mask };
  }, images);
}

/** v2 micro-batches: one augmented view per image and `clones` inverse block masks of it. */
export function imageV2Batches(config: ImageBatchConfig & { masking: InverseBlockMask2dOptions; data2vec: { clones: number } }, ds: ImageDataset, grid: [number, number], images?: ImageSource): (update: number, micro: number, rng: Rng) => V2Batch {
  const [gh, gw] = grid;
  const { batchSize } = config.trainer;
  const clones = config.data2vec.clones;
  return withPrepare((update: number, micro: number, rng: Rng): V2Batch => {
    const input = images ? images(update, micro, rng) : sampledImageBatch(ds, update, micro, config, rng);
    const masks = cloneMasks(batchSize, clones, (m, r) => inverseBlockMask2d({ batch: m, height: gh, width: gw }, r, config.masking), rng);
    return { input, mask: makeMaskInfo(masks, clones) };
  }, images);
}
