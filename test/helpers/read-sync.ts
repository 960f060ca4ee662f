/** Counting the copies of tensors out of the backend's memory (`readSync`) that a function makes. */
import * as tf from '@tensorflow/tfjs';

/** The result of `f` and how many times it called the current backend's `readSync`. */
export function countReadSync<T>(f: () => T): { value: T; reads: number } {
  const backend = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
  const readSync = backend.readSync;
  let reads = 0;
  backend.readSync = (...a: unknown[]) => {
    reads++;
    return readSync.apply(backend, a);
  };
  try {
    return { value: f(), reads };
  } finally {
    backend.readSync = readSync;
  }
}
