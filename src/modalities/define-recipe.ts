/**
 * `defineRecipe`: the wiring every recipe shares, written once (design "presets as
 * data"; the task / model / criterion split of fairseq's data2vec). A modality
 * states its presets, how data is loaded and checked, its networks
 * ({@link v1Model} / {@link v2Model} put them inside data2vec 1.0 or 2.0 with the
 * EMA teacher and targets, spec §3–§5), how one micro-batch is drawn and masked, and
 * how features are pooled; this file adds preset lookup and overrides, the seeded
 * initialisation (`${seed}:init`) and the seeded per-micro-batch generator
 * (`${seed}:batch:${update}:${micro}`) that make runs reproducible.
 */
import { Module } from '../nn/module';
import { Objective } from '../train/objective';
import { BatchSource } from '../train/trainer';
import { LabelledFeatures } from '../eval/features';
import { Data2VecV1, Data2VecV1Config } from '../data2vec/data2vec-v1';
import { Data2VecV2, Data2VecV2Config } from '../data2vec/data2vec-v2';
import { V2Backbone, V2ModalityEncoder } from '../data2vec/v2-backbone';
import { MaskedEncoder } from '../data2vec/encoder-contract';
import { V2Decoder } from '../nn/decoders';
import { Rng } from '../util/rng';
import { BatchSamples } from '../util/drawn-samples';
import { Algo, BaseRunConfig, DataProgress, LabelledSplit, Modality, PretrainSetup, Recipe, RecipeData, RunOverrides } from './recipe';
import { applyOverrides, presetFor } from './overrides';

/** `T`, but not a site TypeScript infers `T` from (so the config type comes from the presets alone). */
type Later<T> = [T][T extends unknown ? 0 : never];

/** A model ready to train: the data2vec objective with the encoder whose features are probed. */
export type RecipeModel = Objective<never> & Module & { readonly encoder: Module };

/** What a modality states for one algorithm; {@link defineRecipe} turns it into a {@link Recipe}. */
export interface RecipeParts<C extends BaseRunConfig, D extends RecipeData, M extends RecipeModel, B> {
  modality: Modality;
  algo: Algo;
  /** Presets by name, in the order they are listed (the config type is read from here). */
  presets: Record<string, () => C>;
  loadData(config: Later<C>): D;
  /** Slow one-time work `loadData` relies on (building a token cache), done by `pretrain` before loading. */
  prepareData?(config: Later<C>, progress: DataProgress): Promise<void>;
  /** Throws one sentence when the config and the data disagree (before building and before extracting features). */
  check?(config: Later<C>, data: Later<D>): void;
  /** The model with this modality's networks, initialised from `init`. */
  model(config: Later<C>, init: Rng): M;
  /** Draws micro-batch (update, micro) with `rng`, the generator seeded for that micro-batch. */
  batches(config: Later<C>, data: Later<D>, model: M): ((update: number, micro: number, rng: Rng) => B) & {
    prepare?: (update: number) => Promise<void>;
    /** The samples micro-batch (update, micro) was drawn from (see `BatchSource.samples`). */
    samples?: (update: number, micro: number) => BatchSamples | undefined;
  };
  features(encoder: Module, config: Later<C>, data: Later<D>, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): Promise<LabelledFeatures>;
  rawFeatures?(config: Later<C>, data: Later<D>, split: 'train' | 'test'): LabelledFeatures;
  /** A labelled split for fine-tuning (throws one sentence when the data carry no labels). */
  labelledSplit?(config: Later<C>, data: Later<D>, split: 'train' | 'test'): LabelledSplit;
  probeSubset?(data: Later<D>, sizes: { train?: number; test?: number }, seed: number): Later<D>;
}

/** A recipe from its parts, with `model` kept for scripts and notebooks that want the network alone. */
export type DefinedRecipe<C extends BaseRunConfig, D extends RecipeData, M> = Recipe<C, D> & {
  /** The model of a config, initialised from `${config.seed}:init`. */
  model(config: C): M;
};

/** The recipe a modality's parts describe. */
export function defineRecipe<C extends BaseRunConfig, D extends RecipeData, M extends RecipeModel, B>(parts: RecipeParts<C, D, M, B>): DefinedRecipe<C, D, M> {
  const model = (config: C) => parts.model(config, new Rng(`${config.seed}:init`));
  const recipe: DefinedRecipe<C, D, M> = {
    modality: parts.modality,
    algo: parts.algo,
    presets: Object.keys(parts.presets),
    config: (preset: string, overrides: RunOverrides = {}) => applyOverrides(presetFor(parts.presets, preset, parts.modality, parts.algo), overrides),
    loadData: (config) => parts.loadData(config),
    model,
    build(config: C, data: D): PretrainSetup<B> {
      parts.check?.(config, data);
      const m = model(config);
      const draw = parts.batches(config, data, m);
      const batches: BatchSource<B> = (update: number, micro: number) => draw(update, micro, new Rng(`${config.seed}:batch:${update}:${micro}`));
      // a streamed corpus makes its batches ahead; the trainer awaits `prepare` before each update
      batches.prepare = draw.prepare;
      batches.samples = draw.samples;
      return { objective: m as unknown as Objective<B> & Module, batches, encoder: m.encoder };
    },
    features(encoder, config, data, split, onProgress) {
      parts.check?.(config, data);
      return parts.features(encoder, config, data, split, onProgress);
    },
  };
  if (parts.rawFeatures) recipe.rawFeatures = parts.rawFeatures;
  if (parts.probeSubset) recipe.probeSubset = parts.probeSubset;
  if (parts.prepareData) recipe.prepareData = parts.prepareData;
  const { labelledSplit } = parts;
  if (labelledSplit) {
    recipe.labelledSplit = (config, data, split) => {
      parts.check?.(config, data);
      return labelledSplit(config, data, split);
    };
  }
  return recipe;
}

/** data2vec 1.0 (spec §1–§5) around the encoder `encoder` builds: student, EMA teacher, regression head. */
export function v1Model<C extends BaseRunConfig & { data2vec: Data2VecV1Config }, E extends MaskedEncoder>(encoder: (config: C, rng: Rng) => E): (config: C, init: Rng) => Data2VecV1<E> {
  return (config, init) => new Data2VecV1((rng) => encoder(config, rng), config.data2vec, init);
}

/** data2vec 2.0 (spec §2.5, §5.2–5.3) around a backbone and a decoder: student, EMA teacher, multi-mask decoding. */
export function v2Model<C extends BaseRunConfig & { data2vec: Data2VecV2Config }, E extends V2ModalityEncoder, Dec extends V2Decoder>(
  backbone: (config: C, rng: Rng) => V2Backbone<E>,
  decoder: (config: C, rng: Rng) => Dec,
): (config: C, init: Rng) => Data2VecV2<E, Dec> {
  return (config, init) => new Data2VecV2((rng) => backbone(config, rng), (rng) => decoder(config, rng), config.data2vec, init);
}
