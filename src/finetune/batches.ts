/**
 * The fine-tuning batches (spec §6 "Fine-tuning recipes"): which training samples
 * each update reads, in which view, with which soft targets; and the encoder config
 * a fine-tuning run builds (its dropouts and drop path set for fine-tuning).
 *
 * Speech clips differ in length and the speech encoders take no padding, so a batch
 * of clips is either cropped to its shortest clip (pretraining's `collateAudio`) or
 * each clip is encoded whole, one at a time (`wholeClips`). Whole clips are the view
 * evaluation encodes, so a clip gives the classifier the same pooled features in a
 * training batch as at evaluation (with the encoder's dropout off, as the wav2vec 2.0
 * CTC recipes set it: `dropout` and `attention_dropout` 0 in `Wav2Vec2AsrConfig`).
 * The crop does not: on the tiny speech data2vec 1.0 run a linear probe fitted on
 * whole clips scores 89 % on the same training clips but 53 % on by-length crops, and
 * batches grouped by length to keep the crops long make the head's batch norm learn
 * statistics of one length at a time (within such a batch the pooled features varied
 * 26× less than across the training set, so held-out accuracy read with the running
 * statistics was 24 % where the batch statistics gave 54 %).
 */
import * as tf from '@tensorflow/tfjs';
import { BaseRunConfig, ClassifierInput, LabelledSplit } from '../modalities/recipe';
import { Module } from '../nn/module';
import { sampleIndices } from '../data/batch-order';
import { audioBatchPlan } from '../modalities/audio/length-batches';
import { drawTimeMask } from '../masking/time-mask';
import { Rng } from '../util/rng';
import { smoothedTargets } from './label-smoothing';
import { mixBatch } from './mixup';
import { FinetuneBatch } from './objective';
import { FinetuneSettings } from './settings';

/** The encoder config to fine-tune: `runConfig` with `data` (if given), drop path and, where set, every dropout rate from `settings`. */
export function finetuneEncoderConfig<C extends BaseRunConfig>(runConfig: C, settings: FinetuneSettings, data?: string): C {
  const config = structuredClone(runConfig) as C & { model?: Record<string, unknown> };
  if (data !== undefined) config.data = data;
  if (config.model && 'dropPath' in config.model) config.model.dropPath = settings.dropPath;
  if (config.model && settings.encoderDropout !== null) {
    for (const key of Object.keys(config.model)) if (/dropout$/i.test(key)) config.model[key] = settings.encoderDropout;
  }
  return config;
}

/** What the batch source needs besides the settings. */
export interface FinetuneBatchContext {
  split: LabelledSplit;
  /** The training samples (indices into `split`) fine-tuning draws from. */
  trainIndices: readonly number[];
  numClasses: number;
  /** The encoder being fine-tuned (for the frame count of time masks). */
  encoder: Module;
  seed: number;
}

/** A fine-tuning batch with the split indices of its samples, in order. */
export type IndexedFinetuneBatch = FinetuneBatch & { indices: number[] };

/** One clip's input in the evaluation view, with its own time mask when `settings.timeMask` is set. */
function wholeClip(ctx: FinetuneBatchContext, settings: FinetuneSettings, index: number, rng: Rng): ClassifierInput {
  const input = ctx.split.batch([index]);
  if (settings.timeMask && ctx.split.frames) input.timeMask = drawTimeMask(1, ctx.split.frames(ctx.encoder, input), settings.timeMask, rng);
  return input;
}

/** The batch of each update (deterministic in seed and update, so a resumed run reads the same batches). */
export function finetuneBatchSource(settings: FinetuneSettings, ctx: FinetuneBatchContext): (update: number) => IndexedFinetuneBatch {
  const { split, trainIndices, seed } = ctx;
  const lengths = split.lengths;
  const byLength = settings.batching === 'by-length' && lengths
    ? audioBatchPlan(trainIndices.map((i) => lengths[i]), settings.batchSize, 'by-length', `${seed}:finetune-order`)
    : undefined;
  return (update: number): IndexedFinetuneBatch => {
    const rng = new Rng(`${seed}:finetune-batch:${update}`);
    const order = byLength ? byLength(update) : sampleIndices(trainIndices.length, update * settings.batchSize, settings.batchSize, `${seed}:finetune-order`);
    const indices = order.map((k) => trainIndices[k]);
    const targets = smoothedTargets(Int32Array.from(indices, (i) => split.labels[i]), ctx.numClasses, settings.labelSmoothing);
    const frozenEncoder = update < Math.round(settings.freezeEncoderFraction * settings.updates);
    if (settings.wholeClips) {
      const maskRng = new Rng(`${seed}:finetune-time-mask:${update}`);
      return { input: indices.map((i) => wholeClip(ctx, settings, i, maskRng)), targets, frozenEncoder, indices };
    }
    const input = split.batch(indices, settings.augment ? rng : undefined);
    if (settings.timeMask && split.frames) {
      input.timeMask = drawTimeMask(indices.length, split.frames(ctx.encoder, input), settings.timeMask, new Rng(`${seed}:finetune-time-mask:${update}`));
    }
    if (!settings.mixup) return { input, targets, frozenEncoder, indices };
    const mixed = mixBatch(input.input, targets, settings.mixup, rng);
    tf.dispose([input.input, targets]);
    return { input: { ...input, input: mixed.images }, targets: mixed.targets, frozenEncoder, indices };
  };
}
