/**
 * The image pretraining micro-batches, v1 and v2 (spec §2.3, §2.4, §2.5): images in
 * the run's seeded order, augmented (`augment.ts`) and normalised (`image-batch.ts`)
 * with the micro-batch's generator, then masked with the same generator: BEiT block
 * masks for v1 (student and teacher see the same view, trap 23), `clones` inverse
 * block masks per image with the same count for v2. Each source reports the
 * training-split indices (or streamed files) of the micro-batches it drew.
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
import { BatchSamples, SampledDraw, sampledDraw } from '../../util/drawn-samples';
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
 * images in the run's seeded order (`${seed}:order`), augmented with `rng`, and
 * their indices in the training split.
 */
export function sampledImageBatch(
  ds: ImageDataset,
  update: number,
  micro: number,
  config: ImageBatchConfig,
  rng: Rng,
): { input: tf.Tensor4D; indices: number[] } {
  const { batchSize, accumulation } = config.trainer;
  const indices = sampleIndices(ds.n, batchStart(update, micro, batchSize, accumulation), batchSize, `${config.seed}:order`);
  return { input: imageBatch(ds, indices, config.normalize, config.augment, rng), indices };
}

/**
 * Where a micro-batch's images come from: in-memory images by default, or a stream with
 * `prepare` (`folder-data.ts`) that reports the files of each micro-batch in `samples`.
 */
export type ImageSource = ((update: number, micro: number, rng: Rng) => tf.Tensor4D) & {
  prepare?: (update: number) => Promise<void>;
  samples?: (update: number, micro: number) => BatchSamples | undefined;
};

/**
 * The images of micro-batch (update, micro) from `images` or the in-memory split, made
 * into a batch by `make`; the source reports their split indices (`images`) or files,
 * and has the stream's `prepare` (the trainer awaits it).
 */
function imageBatches<B>(config: ImageBatchConfig, ds: ImageDataset, images: ImageSource | undefined, make: (input: tf.Tensor4D, rng: Rng) => B): ImageBatches<B> {
  const draw = images
    ? sampledDraw((update, micro, rng) => ({ raw: images(update, micro, rng), samples: images.samples?.(update, micro) ?? {} }), make)
    : sampledDraw((update, micro, rng) => {
        const { input, indices } = sampledImageBatch(ds, update, micro, config, rng);
        return { raw: input, samples: { images: indices } };
      }, make);
  return withPrepare(draw, images);
}

/** An image batch source: a sampled draw, with `prepare` for a stream. */
type ImageBatches<B> = SampledDraw<B> & { prepare?: (update: number) => Promise<void> };

/** v1 micro-batches: one augmented view and a block mask per image on the `grid` of patches. */
export function imageV1Batches(config: ImageBatchConfig & { masking: Required<BlockMask2dOptions> }, ds: ImageDataset, grid: [number, number], images?: ImageSource): ImageBatches<V1Batch> {
  const [gh, gw] = grid;
  const { batchSize } = config.trainer;
  return imageBatches(config, ds, images, (input, rng): V1Batch => {
    const m = blockMask2d({ batch: batchSize, height: gh, width: gw }, rng, config.masking);
    const mask = tf.tensor2d(Float32Array.from(m.data), [batchSize, gh * gw]);
    return { studentInput: input, teacherInput: input, mask, lossMask: mask };
  });
}

/** v2 micro-batches: one augmented view per image and `clones` inverse block masks of it. */
export function imageV2Batches(config: ImageBatchConfig & { masking: InverseBlockMask2dOptions; data2vec: { clones: number } }, ds: ImageDataset, grid: [number, number], images?: ImageSource): ImageBatches<V2Batch> {
  const [gh, gw] = grid;
  const { batchSize } = config.trainer;
  const clones = config.data2vec.clones;
  return imageBatches(config, ds, images, (input, rng): V2Batch => {
    const masks = cloneMasks(batchSize, clones, (m, r) => inverseBlockMask2d({ batch: m, height: gh, width: gw }, r, config.masking), rng);
    return { input, mask: makeMaskInfo(masks, clones) };
  });
}
