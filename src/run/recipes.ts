/**
 * Every (modality, algorithm) recipe by name, for the CLI and the scripting API.
 */
import { Algo, Modality, Recipe } from './recipe';
import { imageV1Recipe } from '../modalities/image/recipe-v1';
import { audioV1Recipe } from '../modalities/audio/recipe-v1';
import { imageV2Recipe } from '../modalities/image/recipe-v2';
import { textV1Recipe } from '../modalities/text/recipe-v1';
import { textV2Recipe } from '../modalities/text/recipe-v2';
import { audioV2Recipe } from '../modalities/audio/recipe-v2';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const RECIPES: Recipe<any, any>[] = [imageV1Recipe, audioV1Recipe, imageV2Recipe, textV1Recipe, audioV2Recipe, textV2Recipe];

/** All registered recipes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function listRecipes(): Recipe<any, any>[] {
  return [...RECIPES];
}

/** The recipe for a modality and algorithm, or a one-sentence error listing what exists. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function getRecipe(modality: string, algo: string): Recipe<any, any> {
  const r = RECIPES.find((x) => x.modality === modality && x.algo === algo);
  if (!r) {
    const have = RECIPES.map((x) => `${x.modality}/${x.algo}`).join(', ');
    throw new Error(`--modality ${modality} with --algo ${algo} is not available; available: ${have}.`);
  }
  return r;
}

/** Register another recipe (e.g. from a notebook). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerRecipe(recipe: Recipe<any, any>): void {
  const i = RECIPES.findIndex((x) => x.modality === recipe.modality && x.algo === recipe.algo);
  if (i >= 0) RECIPES[i] = recipe;
  else RECIPES.push(recipe);
}

export type { Algo, Modality };
