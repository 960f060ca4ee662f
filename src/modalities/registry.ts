/**
 * Every (modality, algorithm) recipe by name, for the CLI and the scripting API (one
 * registry, each recipe defined once with its presets as variants). Adding a modality
 * is one folder under `src/modalities/` exporting its recipes and one line here.
 */
import { Recipe } from './recipe';
import { IMAGE_RECIPES } from './image';
import { AUDIO_RECIPES } from './audio';
import { TEXT_RECIPES } from './text';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRecipe = Recipe<any, any>;

const RECIPES: AnyRecipe[] = [
  ...IMAGE_RECIPES,
  ...AUDIO_RECIPES,
  ...TEXT_RECIPES,
];

/** All registered recipes. */
export function listRecipes(): AnyRecipe[] {
  return [...RECIPES];
}

/** The recipe for a modality and algorithm, or a one-sentence error listing what exists. */
export function getRecipe(modality: string, algo: string): AnyRecipe {
  const r = RECIPES.find((x) => x.modality === modality && x.algo === algo);
  if (!r) {
    const have = RECIPES.map((x) => `${x.modality}/${x.algo}`).join(', ');
    throw new Error(`--modality ${modality} with --algo ${algo} is not available; available: ${have}.`);
  }
  return r;
}

/** Register another recipe (e.g. from a notebook); one with the same modality and algorithm is replaced. */
export function registerRecipe(recipe: AnyRecipe): void {
  const i = RECIPES.findIndex((x) => x.modality === recipe.modality && x.algo === recipe.algo);
  if (i >= 0) RECIPES[i] = recipe;
  else RECIPES.push(recipe);
}
