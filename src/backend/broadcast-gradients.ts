/**
 * Gradients of `Sum` and `Mean` that stay on the device (the backward pass of every
 * layer norm, loss mean and pooling: spec §1.1, §3). tfjs's own multiply dy by
 * `tf.ones(x.shape)`, and `tf.ones` fills that array in JavaScript and uploads it:
 * on a GPU, a host array the size of every reduced activation in every update. Here
 * dy is broadcast to x's shape instead (`tf.broadcastTo`, a device kernel): the same
 * numbers (dy · 1 = dy exactly), no host array. Registered by `initBackend` beside the
 * `Tile` gradient (`tile-gradient.ts`), for every backend.
 */
import * as tf from '@tensorflow/tfjs';

/** dy reshaped with the reduced axes kept as 1, broadcast back to x's shape. */
function broadcastBack(dy: tf.Tensor, x: tf.Tensor, axis: number | number[] | undefined): { grad: tf.Tensor; reduced: number } {
  const axes = tf.util.parseAxisParam(axis ?? x.shape.map((_, i) => i), x.shape);
  const kept = x.shape.slice();
  let reduced = 1;
  for (const a of axes) {
    reduced *= x.shape[a];
    kept[a] = 1;
  }
  const grad = tf.broadcastTo(tf.reshape(dy, kept), x.shape);
  return { grad, reduced };
}

let registered = false;

/** Replace tfjs's `Sum` and `Mean` gradients with the broadcast form (idempotent). */
export function registerBroadcastGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { axis } = attrs as unknown as { axis: number | number[] };
      return { x: () => broadcastBack(dy as tf.Tensor, x, axis).grad };
    },
  });
  tf.registerGradient({
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { axis } = attrs as unknown as { axis: number | number[] };
      return {
        x: () => {
          const { grad, reduced } = broadcastBack(dy as tf.Tensor, x, axis);
          return tf.div(grad, reduced);
        },
      };
    },
  });
}

