/** The text modality's recipes, data2vec 1.0 and 2.0 (registered in `../registry.ts`). */
import { textV1Recipe } from './recipe-v1';
import { textV2Recipe } from './recipe-v2';

export const TEXT_RECIPES = [textV1Recipe, textV2Recipe] as const;
