/**
 * Fashion-MNIST as fine-tuning reads it (spec §6 "Fine-tuning recipes", v1 and v2
 * ViT): normalised images, augmented during training with the pretraining crop and
 * flip, and the encoder's patch outputs (CLS dropped) for mean pooling.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/image-dataset';
import { ClassifierInput, LabelledSplit } from '../recipe';
import { Module } from '../../nn/module';
import { Rng } from '../../util/rng';
import { AugmentConfig } from './augment';
import { Normalization, imageBatch } from './image-batch';

/** Any image encoder mapping [B, H, W, C] to patch outputs [B, N, D] (v1 and v2). */
export interface PatchEncoder {
  forward(images: tf.Tensor): { out: tf.Tensor };
}

/** The labelled split of `ds` for an encoder of the recipe's config. */
export function imageLabelledSplit(ds: ImageDataset, config: { normalize: Normalization; augment: AugmentConfig; evalBatchSize: number }): LabelledSplit {
  return {
    labels: ds.labels,
    evalBatchSize: config.evalBatchSize,
    batch: (indices: readonly number[], rng?: Rng): ClassifierInput => ({ input: imageBatch(ds, indices, config.normalize, rng ? config.augment : undefined, rng) }),
    encode: (encoder: Module, batch: ClassifierInput) => ({ out: (encoder as unknown as PatchEncoder).forward(batch.input).out }),
  };
}
