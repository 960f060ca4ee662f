/** The audio modality's recipes, data2vec 1.0 and 2.0 (registered in `../registry.ts`). */
import { audioV1Recipe } from './recipe-v1';
import { audioV2Recipe } from './recipe-v2';

export const AUDIO_RECIPES = [audioV1Recipe, audioV2Recipe] as const;
