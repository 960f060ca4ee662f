/**
 * Host-side costs of the `webgpu` backend per kernel (platform facts, "GPU through
 * WebGPU"; the training loop of spec §6 makes ~10,000 kernel calls per `base` update).
 * Two settings of tfjs-backend-webgpu, measured on an NVIDIA H200 to leave the GPU
 * idle most of an update:
 *
 * - **Uploads.** tfjs uploads every tensor made on the host (each scalar an op is
 *   given, each mask, each batch) through a new mapped staging buffer: one
 *   `createBuffer` per upload, never pooled, and the compute pass ended for the
 *   copy. A `base` image update made ~1,450 such uploads, 1,350 of them scalars,
 *   and buffer creation was the host's top function. Here an upload writes
 *   through `queue.writeBuffer` into a buffer from tfjs's own pool. Ordering is
 *   kept: a pooled buffer is free only after the submit that last used it, and the
 *   write lands on the queue before the commands recorded after it are submitted.
 * - **Submits.** tfjs submits the command encoder every 15 kernels
 *   (`WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE`); each submit costs host time in Dawn.
 *   {@link WEBGPU_SUBMIT_BATCH} kernels per submit (`D2V_WEBGPU_SUBMIT_BATCH`
 *   overrides it). Larger values hold released buffers until the submit, so the
 *   peak memory grows (on the H200, 250 per submit held 1.5× the memory of 15 for
 *   `base` v2 at batch 32; 2,000 ran out).
 */
import * as tf from '@tensorflow/tfjs';

/** Kernels recorded per queue submit on webgpu unless `D2V_WEBGPU_SUBMIT_BATCH` says otherwise. */
export const WEBGPU_SUBMIT_BATCH = 100;

interface TensorDataLike {
  values: ArrayLike<number> | ArrayBufferView | null;
  dtype: string;
  shape: number[];
  resource: unknown;
}
interface QueueLike {
  writeBuffer(buffer: unknown, offset: number, data: ArrayBufferView): void;
}
interface WebGpuBackendLike {
  tensorMap: { get(id: object): TensorDataLike | undefined };
  bufferManager: { acquireBuffer(size: number, usage: number): unknown };
  queue: QueueLike;
  uploadToGPU(dataId: object): void;
}

/** The host values of a tensor as the 4-byte array the GPU buffer holds (float32, or int32 for int32/bool). */
export function uploadView(values: ArrayLike<number> | ArrayBufferView, dtype: string): Float32Array | Int32Array {
  if (dtype === 'int32' || dtype === 'bool') return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/** The submit batch in force: `D2V_WEBGPU_SUBMIT_BATCH` (a positive integer) or {@link WEBGPU_SUBMIT_BATCH}. */
export function webGpuSubmitBatch(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.D2V_WEBGPU_SUBMIT_BATCH?.trim();
  if (!raw) return WEBGPU_SUBMIT_BATCH;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`D2V_WEBGPU_SUBMIT_BATCH must be a positive integer (kernels per queue submit), got "${raw}".`);
  return n;
}

/** WebGPU's buffer usage bits (the spec's constants; Dawn's `GPUBufferUsage` global has the same values). */
const GPUBufferUsageFlags = { COPY_SRC: 0x0004, COPY_DST: 0x0008, STORAGE: 0x0080 } as const;

const patched = new WeakSet<object>();

/**
 * Make the active `webgpu` backend upload through `queue.writeBuffer` into pooled
 * buffers and submit every {@link webGpuSubmitBatch} kernels. Idempotent; call after
 * `tf.setBackend('webgpu')`.
 */
export function tuneWebGpuQueue(): void {
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', webGpuSubmitBatch());
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  if (patched.has(backend)) return;
  patched.add(backend);
  const original = backend.uploadToGPU.bind(backend);
  // STORAGE | COPY_SRC | COPY_DST, as tfjs's own uploads
  const usage = GPUBufferUsageFlags.STORAGE | GPUBufferUsageFlags.COPY_SRC | GPUBufferUsageFlags.COPY_DST;
  backend.uploadToGPU = (dataId: object): void => {
    const data = backend.tensorMap.get(dataId);
    if (!data || data.resource != null || data.values == null || !['float32', 'int32', 'bool'].includes(data.dtype)) {
      original(dataId);
      return;
    }
    const view = uploadView(data.values, data.dtype);
    if (view.length === 0) {
      original(dataId);
      return;
    }
    const buffer = backend.bufferManager.acquireBuffer(view.byteLength, usage);
    backend.queue.writeBuffer(buffer, 0, view);
    data.values = null;
    data.resource = buffer;
  };
}
