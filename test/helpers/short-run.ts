/**
 * A short training run for the end-to-end tests (spec §3, §8: "a short run whose loss
 * falls without collapse"): `steps` updates of a recipe's objective, with what those
 * tests assert on.
 */
import * as tf from '@tensorflow/tfjs';
import { Trainer } from '../../src/train/trainer';
import { BaseRunConfig, Recipe, RecipeData } from '../../src/modalities/recipe';

/** What a short run measured. */
export interface ShortRun {
  losses: number[];
  /** Mean loss of the first five and of the last five updates. */
  firstMean: number;
  lastMean: number;
  /** The last metrics row (target_var, pred_var, masked_pct, ...). */
  last: Record<string, number>;
  /** Live tensors after the second update and at the end (equal when no update leaks). */
  tensorsAfterSecond: number;
  tensorsAtEnd: number;
  /** Live tensors before the model was built and after it was disposed (equal when build and dispose leak nothing). */
  tensorsBefore: number;
  tensorsAfterDispose: number;
}

/** Build `recipe` with `config` on `data` (loaded when absent), train `steps` updates, dispose everything. */
export async function shortRun<C extends BaseRunConfig, D extends RecipeData>(
  recipe: Recipe<C, D>, config: C, steps: number, data: D = recipe.loadData(config),
): Promise<ShortRun> {
  const tensorsBefore = tf.memory().numTensors;
  const setup = recipe.build(config, data);
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  const losses: number[] = [];
  let last: Record<string, number> = {};
  let tensorsAfterSecond = 0;
  let tensorsAtEnd = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const row = await trainer.step();
      losses.push(row.loss);
      last = row as unknown as Record<string, number>;
      if (i === 1) tensorsAfterSecond = tf.memory().numTensors;
    }
    tensorsAtEnd = tf.memory().numTensors;
  } finally {
    trainer.dispose();
    setup.objective.dispose();
  }
  const tensorsAfterDispose = tf.memory().numTensors;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  return { losses, firstMean: mean(losses.slice(0, 5)), lastMean: mean(losses.slice(-5)), last, tensorsAfterSecond, tensorsAtEnd, tensorsBefore, tensorsAfterDispose };
}
