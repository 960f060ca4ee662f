/**
 * Random tensors made where the tensor lives (dropout masks, spec §1.2; data2vec 2.0's
 * decoder noise at masked positions, spec §2.3). tfjs draws `tf.randomUniform` /
 * `tf.randomNormal` / `tf.dropout` in JavaScript and uploads them: on a GPU that is
 * several seconds per ViT-B update, with the GPU idle. Here each element is a
 * counter-based hash of (seed, index) (src/util/pcg-stream.ts), computed by a WGSL
 * kernel on webgpu and by the same integer arithmetic in JavaScript elsewhere:
 * a seeded uniform tensor has the same bits on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { hashUniformArray, streamKey } from '../util/pcg-stream';

const KERNEL = 'D2vHashUniform';

const WGSL_PCG = `
fn pcg(v : u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}`;

interface WebGpuBackendLike {
  runWebGPUProgram(program: unknown, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms: { type: string; data: number[] }[]): tf.TensorInfo;
}

let registered = false;

/** Register the WGSL kernel with the webgpu backend (once; a no-op elsewhere). */
function registerWebGpuKernel(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ backend, attrs }) => {
      const { shape, key } = attrs as unknown as { shape: number[]; key: number };
      const size = shape.reduce((a, b) => a * b, 1);
      const workgroupSize: [number, number, number] = [64, 1, 1];
      const program = {
        variableNames: [],
        outputShape: shape,
        uniforms: 'key : u32,',
        workgroupSize,
        size: true,
        dispatchLayout: { x: shape.map((_, i) => i) },
        // flat; tfjs folds a count above the per-dimension limit into y (and z)
        dispatch: [Math.ceil(size / workgroupSize[0]), 1, 1] as [number, number, number],
        shaderKey: 'd2vHashUniform',
        getUserCode: () => `${WGSL_PCG}
  fn main(index : i32) {
    if (index < uniforms.size) {
      let h = pcg(pcg(u32(index)) ^ uniforms.key);
      setOutputAtIndex(index, f32(h >> 8u) / 16777216.0);
    }
  }`,
      };
      return (backend as unknown as WebGpuBackendLike).runWebGPUProgram(program, [], 'float32', [{ type: 'uint32', data: [key] }]);
    },
  });
}

/**
 * Uniform [0, 1) float32 values of `shape` from (`seed`, `stream`), made on the active
 * backend's device; the same values on every backend.
 */
export function hashUniform(shape: number[], seed: number, stream = 0): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (tf.getBackend() === 'webgpu' && size > 0) {
    registerWebGpuKernel();
    return tf.engine().runKernel(KERNEL, {}, { shape, key: streamKey(seed, stream) } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tensor(hashUniformArray(size, seed, stream), shape, 'float32');
}

/** Normal(mean, std) values of `shape` from `seed` (Box–Muller over two hash streams). */
export function hashNormal(shape: number[], mean: number, std: number, seed: number): tf.Tensor {
  return tf.tidy(() => {
    // (u + 2^-25) keeps the logarithm finite
    const u1 = tf.add(hashUniform(shape, seed, 0), 1 / 33554432);
    const u2 = hashUniform(shape, seed, 1);
    const radius = tf.sqrt(tf.mul(-2, tf.log(u1)));
    const z = tf.mul(radius, tf.cos(tf.mul(2 * Math.PI, u2)));
    return tf.add(tf.mul(z, std), mean);
  });
}

/**
 * Inverted dropout with a device-made mask: x · floor(u + 1 − rate) / (1 − rate), the
 * arithmetic of `tf.dropout` with u from {@link hashUniform}. Differentiable in x.
 */
export function hashDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate === 0) return x;
  const keep = 1 - rate;
  return tf.tidy(() => tf.mul(x, tf.div(tf.floor(tf.add(hashUniform(x.shape, seed), keep)), keep)));
}
