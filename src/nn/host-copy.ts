/**
 * Integer tensors made from host arrays that remember those arrays (platform facts,
 * "GPU through WebGPU": a GPU tensor cannot be read synchronously). Indices and
 * token ids drive host-side work in the forward pass (data2vec 2.0's gathers, spec
 * §2.5; the text encoder's padding mask, spec §1.4); keeping their host copy
 * lets that work run without reading the device back.
 */
import * as tf from '@tensorflow/tfjs';
import { hostMemoryValues } from './take-rows';

const hostCopies = new WeakMap<tf.Tensor, Int32Array>();

/** An int32 tensor of `values` whose host copy {@link hostCopyOf} returns. `values` must not change afterwards. */
export function int32WithHostCopy<R extends tf.Rank>(values: Int32Array, shape: readonly number[]): tf.Tensor<R> {
  const t = tf.tensor(values, [...shape], 'int32') as unknown as tf.Tensor<R>;
  hostCopies.set(t, values);
  return t;
}

/**
 * The int32 values of `t`: its remembered host copy, else (on wasm and cpu, where the
 * values are in host memory) a copy taken now and remembered. On a device backend a
 * tensor without a host copy is an error naming `what`.
 */
export function hostInt32(t: tf.Tensor, what: string): Int32Array {
  let host = hostCopies.get(t);
  if (!host) {
    try {
      host = Int32Array.from(hostMemoryValues(t));
    } catch {
      throw new Error(`${what}: on the ${tf.getBackend()} backend these ids must be made with int32WithHostCopy (as the project's batch builders do), so that they need no read back from the device.`);
    }
    hostCopies.set(t, host);
  }
  return host;
}
