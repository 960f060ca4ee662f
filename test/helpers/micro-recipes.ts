/**
 * The six recipes (image, audio, text × data2vec 1.0, 2.0) shrunk to a few thousand
 * parameters and two samples per batch, for cross-backend checks where one update
 * must take well under a second of arithmetic (the shapes and code paths of the
 * tiny presets, fewer and narrower layers).
 */
import { getRecipe } from '../../src/modalities/registry';
import { Algo, BaseRunConfig, Modality, Recipe, RecipeData } from '../../src/modalities/recipe';
import { convLayersWithChannels } from '../../src/modalities/audio/feature-extractor';

const SMALL_TRANSFORMER = { 'model.dim': '32', 'model.heads': '2', 'model.depth': '2', 'data2vec.targets.topK': '2' };
const AUDIO = {
  'model.convLayers': JSON.stringify(convLayersWithChannels(16)),
  'model.posConv': JSON.stringify({ width: 19, depth: 1, groups: 4 }),
  'audio.maxSampleSize': '8000',
};

/** `--set` overrides per recipe, on top of the tiny preset. */
export const MICRO_SETS: Record<`${Modality}-${Algo}`, Record<string, string>> = {
  'image-v1': SMALL_TRANSFORMER,
  'image-v2': { ...SMALL_TRANSFORMER, 'data2vec.clones': '2', 'decoder.dim': '16', 'decoder.layers': '1', 'decoder.groups': '4' },
  'audio-v1': { ...SMALL_TRANSFORMER, ...AUDIO, 'model.ffnDim': '64' },
  'audio-v2': { ...SMALL_TRANSFORMER, ...AUDIO, 'data2vec.clones': '2', 'decoder.dim': '16', 'decoder.layers': '1', 'decoder.groups': '4' },
  'text-v1': { ...SMALL_TRANSFORMER, 'model.ffnDim': '64', 'sequences.maxLength': '16', 'model.vocabSize': '4096' },
  'text-v2': { ...SMALL_TRANSFORMER, 'data2vec.clones': '2', 'sequences.maxLength': '16', 'decoder.dim': '16', 'decoder.layers': '1' },
};

export const MICRO_RECIPES = Object.keys(MICRO_SETS) as (keyof typeof MICRO_SETS)[];

/** The recipe and its micro config (batch 2, `steps` updates). */
export function microRecipe(name: keyof typeof MICRO_SETS, steps = 2): { recipe: Recipe<BaseRunConfig, RecipeData>; config: BaseRunConfig } {
  const [modality, algo] = name.split('-') as [Modality, Algo];
  const recipe = getRecipe(modality, algo) as Recipe<BaseRunConfig, RecipeData>;
  return { recipe, config: recipe.config('tiny', { batchSize: 2, steps, set: MICRO_SETS[name] }) };
}
