/**
 * Elementwise sum of many same-shaped tensors (the layer average of spec §2.3, the
 * global gradient norm of §6). `tf.addN` binds every input to one kernel; WebGPU
 * allows 8 storage buffers per shader stage (the spec's default limit, what most
 * adapters report), so the inputs are added seven at a time.
 */
import * as tf from '@tensorflow/tfjs';

/** Inputs per `tf.addN` call: 7 inputs and the output fit WebGPU's 8 storage buffers per stage. */
export const ADD_N_MAX_INPUTS = 7;

/** Σ tensors (at least one), in chunks of {@link ADD_N_MAX_INPUTS}. Identical to `tf.addN` for up to 7 inputs. */
export function addMany<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 0) throw new Error('addMany needs at least one tensor.');
  return tf.tidy(() => {
    let parts: tf.Tensor[] = [...tensors];
    while (parts.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < parts.length; i += ADD_N_MAX_INPUTS) {
        const chunk = parts.slice(i, i + ADD_N_MAX_INPUTS);
        next.push(chunk.length === 1 ? chunk[0] : tf.addN(chunk));
      }
      parts = next;
    }
    return parts[0].clone() as T;
  });
}
