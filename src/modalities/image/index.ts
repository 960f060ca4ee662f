/** The image modality's recipes, data2vec 1.0 and 2.0 (registered in `../registry.ts`). */
import { imageV1Recipe } from './recipe-v1';
import { imageV2Recipe } from './recipe-v2';

export const IMAGE_RECIPES = [imageV1Recipe, imageV2Recipe] as const;
