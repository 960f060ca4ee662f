/** Run a test body on a given backend and restore the previous one afterwards. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select';

export const TRAINING_BACKENDS = ['wasm', 'cpu'] as const;

export async function withBackend<T>(name: string, body: () => Promise<T> | T): Promise<T> {
  const previous = tf.getBackend();
  await initBackend(name);
  try {
    return await body();
  } finally {
    await tf.setBackend(previous);
  }
}
