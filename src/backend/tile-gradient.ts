/**
 * The gradient of `Tile` as one reduction (spec §1.2, §1.3: the CLS and extra
 * tokens repeated over the batch and the v2 clones). tfjs 4.22's adds one
 * slice of dy per repetition, one after another (`Tile_grad.js`): a CLS token
 * tiled over 64 images cost 64 slices and 64 adds in every backward pass, a
 * v2 extra token over batch × clones several hundred. Here dy [r0·x0, r1·x1, …]
 * is viewed as [r0, x0, r1, x1, …] and summed over the repetition axes: one
 * reshape, one `Sum`, one reshape. Registered once, for every backend.
 */
import * as tf from '@tensorflow/tfjs';

/** Σ over the repetitions of dy, the gradient of `tf.tile(x, reps)` (x of shape `shape`). */
export function tileGradient(dy: tf.Tensor, shape: number[], reps: number[]): tf.Tensor {
  return tf.tidy(() => {
    const split: number[] = [];
    const axes: number[] = [];
    shape.forEach((size, i) => {
      if (reps[i] > 1) axes.push(split.length);
      split.push(reps[i], size);
    });
    if (axes.length === 0) return tf.reshape(dy, shape);
    return tf.reshape(tf.sum(tf.reshape(dy, split), axes), shape);
  });
}

let registered = false;

/** Replace tfjs's `Tile` gradient with the one-reduction form (idempotent). */
export function registerTileGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { reps } = attrs as unknown as { reps: number[] };
      return { x: () => tileGradient(dy as tf.Tensor, x.shape, reps) };
    },
  });
}
