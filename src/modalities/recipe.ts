/**
 * The recipe contract (design "presets as data"; spec Appendix A): one (modality,
 * algorithm) pair as the CLI and the scripting API see it: named presets resolving
 * to one JSON-serialisable run config, a data loader, a builder for the model and
 * its batch source, and a feature extractor for probing. A modality states its
 * parts with {@link defineRecipe} (`define-recipe.ts`); everything above this layer
 * (pretrain, probe, bench, the CLI) is shared.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Rng } from '../util/rng';
import { Objective } from '../train/objective';
import { BatchSource, TrainerConfig } from '../train/trainer';
import { LabelledFeatures } from '../eval/features';
import { RunFractions } from './run-fractions';
import { SkipLog } from '../data/skip-log';

/** A modality's name (`image`, `audio`, `text`, or one a new folder registers). */
export type Modality = string;
export type Algo = 'v1' | 'v2';

/** What every run config has; recipes add their own fields. */
export interface BaseRunConfig {
  modality: Modality;
  algo: Algo;
  preset: string;
  seed: number;
  /** Data folder or file; absent for the bundled data set. */
  data?: string;
  /** Schedules as fractions of `trainer.updates`, resolved into the counts in `trainer` and `data2vec.ema`. */
  fractions: RunFractions;
  trainer: TrainerConfig;
}

/** Command-line overrides applied on top of a preset. */
export interface RunOverrides {
  steps?: number;
  batchSize?: number;
  seed?: number;
  data?: string;
  accumulation?: number;
  lr?: number;
  /** Non-finite updates to skip before one stops the run (`trainer.skipNonfinite`). */
  skipNonfinite?: number;
  /** Resample speech files at other rates to 16 kHz instead of refusing them (`audio.resample`). */
  resample?: boolean;
  /** Largest tolerated share of unreadable files in a streamed corpus (`loader.maxSkipRate`). */
  maxSkipRate?: number;
  /** Any config field by dotted path, e.g. `{"model.dim": "128"}`; values are parsed as JSON when they can be. */
  set?: Record<string, string>;
}

/** Progress reports of `Recipe.prepareData`: tokenising a corpus (bytes read of the total, tokens written, seconds). */
export interface DataProgress {
  onTokenize?: (info: { bytes: number; totalBytes: number; tokens: number; seconds: number }) => void;
  /** Told once when a cache is being built (before the first `onTokenize`). */
  onStartTokenize?: (what: string) => void;
}

/** Loaded data: a train and a test split, opaque to everything but the recipe. */
export interface RecipeData {
  /** One line saying what was loaded (source, sizes, skipped files). */
  describe: string;
  trainSize: number;
  testSize: number;
  numClasses: number;
  /** Streamed corpora: the running count of files skipped as unreadable, at the scan and while training (`pretrain` reports it at the end when training skipped any). */
  skips?: SkipLog;
}

/** A model ready to pretrain. */
export interface PretrainSetup<B = unknown> {
  objective: Objective<B> & Module;
  batches: BatchSource<B>;
  /** The network whose features are probed (the student encoder). */
  encoder: Module;
}

/** Model input for a few samples of a labelled split (images, waveforms or token ids), with its padding mask [B, T] (1 = pad) where inputs are padded. */
export interface ClassifierInput {
  input: tf.Tensor;
  padMask?: tf.Tensor;
  /** [B, T] time steps hidden from the encoder while fine-tuning (1 = masked; speech only, T from `LabelledSplit.frames`). */
  timeMask?: tf.Tensor;
}

/** One labelled split as fine-tuning reads it (spec §6 "Fine-tuning recipes"): labels, batches and a differentiable encoder pass. */
export interface LabelledSplit {
  /** Class of each sample, in split order. */
  labels: Int32Array;
  /** Samples per evaluation batch (1 where clips of different lengths cannot share a batch without cropping, as for speech). */
  evalBatchSize: number;
  /** Inputs of samples `indices`; with `rng`, the training-time augmentation or crop is drawn from it, else the evaluation view. */
  batch(indices: readonly number[], rng?: Rng): ClassifierInput;
  /** Token outputs [B, T, D] of `encoder` for a batch (masked where the batch has a `timeMask`), and the [B, T] padding mask to pool with, if any. */
  encode(encoder: Module, batch: ClassifierInput): { out: tf.Tensor; padMask?: tf.Tensor };
  /** Length of each sample (speech: samples of each clip), for batches of similar length; absent where lengths do not matter. */
  lengths?: readonly number[];
  /** Time steps `encoder` produces for a batch (speech only: the frames a `timeMask` covers). */
  frames?(encoder: Module, batch: ClassifierInput): number;
}

export interface Recipe<C extends BaseRunConfig = BaseRunConfig, D extends RecipeData = RecipeData> {
  readonly modality: Modality;
  readonly algo: Algo;
  readonly presets: readonly string[];
  /** The preset's config with overrides applied; throws a one-sentence error for unknown presets or bad values. */
  config(preset: string, overrides?: RunOverrides): C;
  loadData(config: C): D;
  /** Slow one-time work `loadData` relies on (building a text corpus's token cache), done by `pretrain` before loading; absent: none. */
  prepareData?(config: C, progress: DataProgress): Promise<void>;
  /** Build the model (random init from `config.seed`) and its deterministic batch source. */
  build(config: C, data: D): PretrainSetup;
  /** Mean-pooled frozen features of `encoder` for a split (eval mode, no masking). */
  features(encoder: Module, config: C, data: D, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): Promise<LabelledFeatures>;
  /** A labelled split for fine-tuning; throws one sentence when the data carry no labels. */
  labelledSplit?(config: C, data: D, split: 'train' | 'test'): LabelledSplit;
  /** Features of the raw input (pixels, …) for a baseline probe, if meaningful. */
  rawFeatures?(config: C, data: D, split: 'train' | 'test'): LabelledFeatures;
  /** The data cut to seeded subsets for a cheap probe during training (`bench`), where the modality has a default size; absent: probe on all of it. */
  probeSubset?(data: D, sizes: { train?: number; test?: number }, seed: number): D;
}
