/**
 * Device memory of the `webgpu` backend (platform facts, "GPU through WebGPU"): a
 * best-fit pool of GPU buffers in place of tfjs-backend-webgpu 4.22's `BufferManager`.
 *
 * tfjs keeps every released buffer for reuse but hands it out again only for a
 * request of exactly its size. A training update (spec §6) allocates hundreds of
 * distinct sizes, so tfjs's pool grows to the sum over sizes of each size's own peak
 * rather than to the peak of the live total. Here a request takes the smallest free
 * buffer of the same usage whose size is at least the request and at most
 * {@link DEFAULT_BUFFER_FIT}× it (and within the device's storage-binding limit),
 * else a new buffer of the requested size is created. Mapped (staging) and uniform
 * buffers keep exact-size reuse.
 *
 * A tensor may therefore live in a buffer larger than its data. Nothing on the GPU
 * depends on a buffer's length (no shader of tfjs or of this project uses
 * `arrayLength`; sizes come from uniforms), and copies into a buffer (uploads,
 * `queue.writeBuffer`) write the tensor's bytes at offset 0. Reads back are cut to
 * the tensor's bytes: {@link installBufferPool} replaces the backend's `read` (which
 * would turn the whole buffer into values) and trims `readSync`. `dataToGPU`
 * (`readToGPU`) returns a buffer that may be larger than the tensor, its values in
 * the first bytes. Accounting stays tfjs's: `numBytesUsed` and `numBytesAllocated`
 * count whole buffers (`buffer.size`), so `tf.memory()` reports what the device holds;
 * `numBytesRequested` adds the bytes asked for.
 *
 * A storage buffer beyond the adapter's `maxStorageBufferBindingSize` is refused with
 * one sentence ({@link bindingLimitMessage}) when it is asked for: tfjs binds every
 * tensor's whole buffer, so Dawn would reject the kernel that uses it, and outside an
 * update (building a model) only as a printed warning, the run going on with wrong values.
 *
 * Released buffers of tensors used by commands not yet submitted still come back only
 * at the next submit (tfjs's `tensorDataPendingDisposal`), so a buffer is never
 * rewritten before the commands recorded earlier have read it.
 *
 * Device-memory budget (`webgpuMemoryLimit` / `D2V_WEBGPU_MEMORY_LIMIT`, see
 * `./webgpu-memory-limit.ts`; none unless asked for on Dawn for Node). Without one, free
 * buffers are kept until `releaseFreeGpuBuffers` (after an out-of-memory update). With
 * one, a buffer that would take the pool's total (in use and free, whole buffers) past
 * it first makes room, as PyTorch's caching allocator does before failing: free buffers
 * are destroyed, the smallest one whose size alone makes the request fit, else the
 * largest first until it fits (`fewest`). If the buffers in use leave no room, the
 * commands recorded so far are submitted once (tfjs's own submit, as after every batch
 * of kernels), which gives back the buffers of tensors disposed since the last submit;
 * one of them may serve the request, the others may be destroyed. If even that leaves
 * no room, the request fails at once with {@link memoryBudgetMessage}, before Dawn makes
 * an invalid buffer whose out-of-memory error an error scope reports only after the
 * update (`guardDeviceMemory` turns either into the batch-size advice).
 *
 * Why `fewest` and not least recently released first (`oldest`, the other order
 * offered): an update asks for the same sizes in the same order each time, so nearly
 * every destroyed buffer is asked for again in the next update and must be created
 * anew; what a GPU pays is the number of buffers destroyed and created, and `fewest`
 * destroys the fewest. Replaying the buffer requests of three `base` image v1 updates
 * (112²/16, batch 8; `bench/webgpu-pool-replay.ts`), a budget of 2.4 GB (2.876 GB held
 * without one) created 129 and 212 buffers in updates 2 and 3 with `fewest` against
 * 894 and 943 with `oldest`; at 2.5 GB 129 and 80 against 698 and 827; at 2.7 GB 116
 * and 1 against 305 and 482 (no budget: 116 and 1).
 *
 * A budget must leave room for the slack of buffers in use (a request may get a buffer
 * up to `fit`× its size, and under a budget fewer near-exact ones are free): on those
 * updates, whose buffers in use peak at 2.233 GB without a budget, 2.3 GB ran out with
 * 2.299 GB in use and 2.32 GB did not (replay); at fit 1.25, 2.25 GB fits at about 600
 * buffers created per update. A real run at 2.4 GB gave the replay's bytes and counts
 * exactly (2.3997 GB held; 129 and 212 buffers created, 170 and 211 destroyed) and the
 * losses of the run without a budget.
 *
 * `D2V_WEBGPU_BUFFER_FIT`: `exact` keeps tfjs's own pool; a number r ≥ 1 reuses a free
 * buffer up to r× the request (default {@link DEFAULT_BUFFER_FIT}).
 *
 * Why 2 (`bench/webgpu-buffer-pool.ts`, bookkeeping of the same kernel sequence as on
 * a GPU): on `base` image v1 at 112²/16, batch 2, fits 1.25, 1.5 and 2 hold the same
 * (2.399 GB after 3 updates against tfjs's 2.406) with the same peak in use (2.233 GB),
 * while 4 and no bound raise the peak in use (2.297, 2.445 GB): a small request then
 * takes a buffer that a later large one needed. Where inputs change length from batch
 * to batch, exact reuse grows with every new length and best fit does not: tiny audio
 * v2, batch 8, 1.893 GB against 0.779 after 3 updates. What best fit cannot reclaim is
 * memory held across phases: parameter-sized requests of the optimizer and teacher
 * step (768², 768×3072 floats) find only activation-sized buffers free (smaller, or
 * more than 2× larger), so `base` v1 at 112², batch 8, still holds 2.876 GB for a
 * 2.233 GB peak in use.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of a `GPUBuffer` the pool uses. */
export interface PooledBuffer {
  readonly size: number;
  readonly usage: number;
  destroy(): void;
}

/** The parts of a `GPUDevice` the pool uses. */
export interface BufferDevice {
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean }): PooledBuffer;
  limits: { maxStorageBufferBindingSize: number };
}

/** Largest ratio of a reused buffer's size to the request, unless `D2V_WEBGPU_BUFFER_FIT` says otherwise. */
export const DEFAULT_BUFFER_FIT = 2;

/** WebGPU's buffer usage bits (the spec's constants). */
const Usage = { MAP_READ: 0x0001, MAP_WRITE: 0x0002, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 } as const;

/** A buffer-reuse rule: `exact` (tfjs's pool) or the largest size ratio of a reused buffer to the request. */
export type BufferFit = 'exact' | number;

/** The reuse rule in force: `D2V_WEBGPU_BUFFER_FIT`, else {@link DEFAULT_BUFFER_FIT}. */
export function webGpuBufferFit(env: NodeJS.ProcessEnv = process.env): BufferFit {
  const raw = env.D2V_WEBGPU_BUFFER_FIT?.trim().toLowerCase();
  if (!raw) return DEFAULT_BUFFER_FIT;
  if (raw === 'exact') return 'exact';
  const r = Number(raw);
  if (!Number.isFinite(r) || r < 1) throw new Error(`D2V_WEBGPU_BUFFER_FIT must be "exact" or a number ≥ 1 (largest size ratio of a reused GPU buffer to the request), got "${raw}".`);
  return r;
}

/** The sentence for a tensor larger than one kernel binding may be (`guardDeviceMemory` turns it into the batch-size advice). */
export function bindingLimitMessage(bytes: number, limit: number): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  return `a tensor of ${mib(bytes)} MiB is larger than this GPU adapter binds per buffer (maxStorageBufferBindingSize, ${mib(limit)} MiB); a smaller batch, shorter inputs or a smaller model fits`;
}

/** The sentence for a buffer that does not fit in the memory budget even with no free buffer left (`guardDeviceMemory` turns it into the batch-size advice). */
export function memoryBudgetMessage(bytes: number, limit: number, inUse: number): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  return `a GPU buffer of ${mib(bytes)} MiB does not fit in the GPU memory budget of ${mib(limit)} MiB (D2V_WEBGPU_MEMORY_LIMIT or the webgpuMemoryLimit option) beside the ${mib(inUse)} MiB in use; a smaller batch, shorter inputs, a smaller model or a larger budget fits`;
}

/** First index of `sorted` whose value is ≥ `x`. */
function lowerBound(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Free buffers of one usage, by size; `sizes` lists (ascending) the sizes that have one. */
class FreeBuffers {
  private readonly sizes: number[] = [];
  private readonly bySize = new Map<number, PooledBuffer[]>();

  /** The most recently freed of the smallest buffers with min ≤ size ≤ max, removed from the list. */
  take(min: number, max: number): PooledBuffer | undefined {
    const i = lowerBound(this.sizes, min);
    if (i === this.sizes.length || this.sizes[i] > max) return undefined;
    const size = this.sizes[i];
    const bucket = this.bySize.get(size)!;
    const buffer = bucket.pop()!;
    if (bucket.length === 0) {
      this.bySize.delete(size);
      this.sizes.splice(i, 1);
    }
    return buffer;
  }

  /** Remove `buffer` (a free buffer of this list; the oldest of its size is first in its bucket). */
  remove(buffer: PooledBuffer): void {
    const bucket = this.bySize.get(buffer.size)!;
    bucket.splice(bucket.indexOf(buffer), 1);
    if (bucket.length === 0) {
      this.bySize.delete(buffer.size);
      this.sizes.splice(lowerBound(this.sizes, buffer.size), 1);
    }
  }

  put(buffer: PooledBuffer): void {
    let bucket = this.bySize.get(buffer.size);
    if (!bucket) {
      this.bySize.set(buffer.size, (bucket = []));
      this.sizes.splice(lowerBound(this.sizes, buffer.size), 0, buffer.size);
    }
    bucket.push(buffer);
  }

  /** Every free buffer, removed from the list. */
  drain(): PooledBuffer[] {
    const all = [...this.bySize.values()].flat();
    this.bySize.clear();
    this.sizes.length = 0;
    return all;
  }
}

/** Options of {@link BestFitBufferPool} beyond the fit. */
export interface BufferPoolOptions {
  /** Device-memory budget in bytes (buffers in use and free, whole buffers); null or absent: none. */
  memoryLimit?: number | null;
  /** Submit the commands recorded so far, so that buffers waiting for that submit come back (tfjs's `submitQueue`). */
  flush?: () => void;
  /** Which free buffers go first when the budget is reached (see the file header); default `fewest`. */
  eviction?: EvictionOrder;
}

/**
 * `oldest`: least recently released first. `fewest`: PyTorch's caching allocator's
 * order: the smallest free buffer that alone makes the request fit, else largest first.
 */
export type EvictionOrder = 'oldest' | 'fewest';

/**
 * A drop-in for tfjs-backend-webgpu 4.22's `BufferManager` (same methods and
 * counters) that reuses a free buffer up to `fit`× the requested size and keeps the
 * bytes it holds within a budget (see the file header).
 */
export class BestFitBufferPool {
  /** Bytes of the buffers in use (whole buffers). */
  numBytesUsed = 0;
  /** Bytes of every buffer the pool holds, in use or free. */
  numBytesAllocated = 0;
  /** Bytes asked for by the buffers in use (≤ numBytesUsed). */
  numBytesRequested = 0;
  numFreeBuffers = 0;
  /** Buffers created on the device, over the pool's life. */
  numBuffersCreated = 0;
  /** Free buffers destroyed to stay within the budget, and their bytes, over the pool's life. */
  numBuffersEvicted = 0;
  numBytesEvicted = 0;
  /** Submits forced by the budget (to get back buffers waiting for a submit). */
  numFlushes = 0;
  /** The device-memory budget in bytes, or null for none ({@link setMemoryLimit} changes it). */
  memoryLimit: number | null;
  private readonly free = new Map<number, FreeBuffers>();
  /** Every free buffer, least recently released first (a Set iterates in insertion order). */
  private readonly freeOrder = new Set<PooledBuffer>();
  /** Buffers in use → the bytes asked for. */
  private readonly used = new Map<PooledBuffer, number>();
  private readonly flush?: () => void;
  private readonly eviction: EvictionOrder;
  private disposed = false;

  constructor(
    private readonly device: BufferDevice,
    readonly fit: number = DEFAULT_BUFFER_FIT,
    options: BufferPoolOptions = {},
  ) {
    if (!(fit >= 1)) throw new Error(`BestFitBufferPool: fit must be ≥ 1, got ${fit}.`);
    this.memoryLimit = null;
    this.setMemoryLimit(options.memoryLimit ?? null);
    this.flush = options.flush;
    this.eviction = options.eviction ?? 'fewest';
  }

  /** Set the budget (bytes, or null for none); what the pool holds beyond it is given back at the next buffer it creates. */
  setMemoryLimit(limit: number | null): void {
    if (limit !== null && !(limit > 0)) throw new Error(`BestFitBufferPool: memoryLimit must be a positive number of bytes or null, got ${limit}.`);
    this.memoryLimit = limit;
  }

  /** The largest buffer a request of `size` bytes with `usage` may be given. */
  private largestFor(size: number, usage: number): number {
    if (usage & (Usage.MAP_READ | Usage.MAP_WRITE | Usage.UNIFORM)) return size;
    const largest = Math.floor(size * this.fit);
    // a request that can be bound as storage never gets a buffer that cannot
    const limit = this.device.limits.maxStorageBufferBindingSize;
    return usage & Usage.STORAGE && size <= limit ? Math.min(largest, limit) : largest;
  }

  /** A free buffer for the request, removed from the free lists, if one fits. */
  private reuse(size: number, usage: number): PooledBuffer | undefined {
    const buffer = this.free.get(usage)?.take(size, this.largestFor(size, usage));
    if (buffer) {
      this.freeOrder.delete(buffer);
      this.numFreeBuffers--;
    }
    return buffer;
  }

  private putFree(buffer: PooledBuffer): void {
    let list = this.free.get(buffer.usage);
    if (!list) this.free.set(buffer.usage, (list = new FreeBuffers()));
    list.put(buffer);
    this.freeOrder.add(buffer);
    this.numFreeBuffers++;
  }

  /** Destroy free buffers in the pool's eviction order until `size` more bytes fit in the budget; true if they do. */
  private evictFor(size: number, limit: number): boolean {
    if (this.numBytesAllocated + size <= limit) return true;
    if (this.eviction === 'fewest') {
      const missing = this.numBytesAllocated + size - limit;
      const bySize = [...this.freeOrder].sort((a, b) => a.size - b.size);
      const one = bySize.find((b) => b.size >= missing);
      for (const buffer of one ? [one] : bySize.reverse()) {
        if (this.numBytesAllocated + size <= limit) break;
        this.evict(buffer);
      }
    } else {
      for (const buffer of this.freeOrder) {
        if (this.numBytesAllocated + size <= limit) break;
        this.evict(buffer);
      }
    }
    return this.numBytesAllocated + size <= limit;
  }

  private evict(buffer: PooledBuffer): void {
    this.freeOrder.delete(buffer);
    this.free.get(buffer.usage)!.remove(buffer);
    this.numFreeBuffers--;
    buffer.destroy();
    this.numBytesAllocated -= buffer.size;
    this.numBuffersEvicted++;
    this.numBytesEvicted += buffer.size;
  }

  acquireBuffer(size: number, usage: number, mappedAtCreation = false, reuse = true): PooledBuffer {
    const limit = this.device.limits.maxStorageBufferBindingSize;
    // every kernel binds a tensor's whole buffer: one beyond the limit would fail validation later, off any error scope
    if (usage & Usage.STORAGE && size > limit) throw new Error(bindingLimitMessage(size, limit));
    let buffer = reuse ? this.reuse(size, usage) : undefined;
    if (!buffer && this.memoryLimit !== null && !this.evictFor(size, this.memoryLimit)) {
      // buffers of tensors disposed since the last submit come back at a submit: one may serve, or be destroyed
      if (this.flush) {
        this.numFlushes++;
        this.flush();
        buffer = reuse ? this.reuse(size, usage) : undefined;
      }
      if (!buffer && !this.evictFor(size, this.memoryLimit)) throw new Error(memoryBudgetMessage(size, this.memoryLimit, this.numBytesUsed));
    }
    if (!buffer) {
      buffer = this.device.createBuffer({ size, usage, mappedAtCreation });
      this.numBytesAllocated += buffer.size;
      this.numBuffersCreated++;
    }
    this.used.set(buffer, size);
    this.numBytesUsed += buffer.size;
    this.numBytesRequested += size;
    return buffer;
  }

  releaseBuffer(buffer: PooledBuffer, reuse = true): void {
    const requested = this.used.get(buffer);
    if (requested === undefined) {
      if (this.disposed) return; // as tfjs: tensors disposed after the backend are ignored
      throw new Error('Cannot find the buffer in buffer manager');
    }
    this.used.delete(buffer);
    this.numBytesUsed -= buffer.size;
    this.numBytesRequested -= requested;
    if (reuse) {
      this.putFree(buffer);
    } else {
      buffer.destroy();
      this.numBytesAllocated -= buffer.size;
    }
  }

  /** Destroy every free buffer; returns the bytes given back. Buffers in use are not touched. */
  releaseFree(): number {
    let bytes = 0;
    for (const list of this.free.values()) {
      for (const b of list.drain()) {
        bytes += b.size;
        b.destroy();
      }
    }
    this.freeOrder.clear();
    this.numFreeBuffers = 0;
    this.numBytesAllocated -= bytes;
    return bytes;
  }

  getNumUsedBuffers(): number {
    return this.used.size;
  }

  getNumFreeBuffers(): number {
    return this.numFreeBuffers;
  }

  /** Adopt the buffers of the manager this pool replaces (in use: as if asked for their whole size). */
  adopt(manager: { usedBuffers?: Map<string, PooledBuffer[]>; freeBuffers?: Map<string, PooledBuffer[]> }): void {
    for (const buffers of manager.usedBuffers?.values() ?? []) {
      for (const b of buffers) {
        this.used.set(b, b.size);
        this.numBytesUsed += b.size;
        this.numBytesRequested += b.size;
        this.numBytesAllocated += b.size;
      }
    }
    for (const buffers of manager.freeBuffers?.values() ?? []) {
      for (const b of buffers) {
        this.putFree(b);
        this.numBytesAllocated += b.size;
      }
    }
  }

  dispose(): void {
    this.releaseFree();
    for (const b of this.used.keys()) b.destroy();
    this.used.clear();
    this.numBytesUsed = 0;
    this.numBytesRequested = 0;
    this.numBytesAllocated = 0;
    this.disposed = true;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
interface TensorData {
  values: tf.backend_util.BackendValues | null;
  dtype: tf.DataType;
  shape: number[];
  resource: unknown;
}
interface MappableBuffer extends PooledBuffer {
  mapAsync(mode: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
}
interface PoolBackend {
  device: BufferDevice;
  bufferManager: any;
  tensorMap: { get(dataId: object): TensorData | undefined };
  commandEncoder: { copyBufferToBuffer(src: unknown, srcOffset: number, dst: unknown, dstOffset: number, size: number): void } | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
  read(dataId: object): Promise<tf.backend_util.BackendValues>;
  readSync(dataId: object): tf.backend_util.BackendValues;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** GPUMapMode.READ */
const MAP_MODE_READ = 0x0001;

/** Bytes of a float32/int32/bool tensor's data on the GPU; undefined for other dtypes. */
function tensorBytes(data: TensorData): number | undefined {
  return data.dtype === 'float32' || data.dtype === 'int32' || data.dtype === 'bool' ? 4 * tf.util.sizeFromShape(data.shape) : undefined;
}

/** The GPU buffer holding a tensor's data when it is larger than the data, else undefined. */
function oversizedBuffer(data: TensorData | undefined): { buffer: MappableBuffer; bytes: number } | undefined {
  if (!data || data.values != null) return undefined;
  const bytes = tensorBytes(data);
  const buffer = data.resource as MappableBuffer | null;
  if (bytes === undefined || buffer == null || typeof buffer.size !== 'number' || typeof buffer.mapAsync !== 'function') return undefined;
  return buffer.size > bytes ? { buffer, bytes } : undefined;
}

/** Copy the first `bytes` of `buffer` to the host (tfjs's `getBufferData`, for part of a buffer). */
async function readBytes(backend: PoolBackend, buffer: MappableBuffer, bytes: number): Promise<ArrayBuffer> {
  const staging = backend.bufferManager.acquireBuffer(bytes, Usage.COPY_DST | Usage.MAP_READ) as MappableBuffer;
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.commandEncoder!.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  backend.submitQueue();
  await staging.mapAsync(MAP_MODE_READ);
  const values = staging.getMappedRange().slice(0);
  staging.unmap();
  backend.bufferManager.releaseBuffer(staging);
  return values;
}

const installed = new WeakMap<object, BestFitBufferPool | null>();

/**
 * Put a {@link BestFitBufferPool} in place of the active `webgpu` backend's buffer
 * manager (taking over its buffers) and cut reads to the tensor's bytes, unless
 * `D2V_WEBGPU_BUFFER_FIT=exact`. Idempotent per backend; call after `tf.setBackend('webgpu')`.
 * `memoryLimit`: the device-memory budget in bytes (`./webgpu-memory-limit.ts`), null
 * for none; a budget needs this pool, so it is refused with `exact`.
 * Returns the pool, or null when tfjs's own manager stays.
 */
export function installBufferPool(fit: BufferFit = webGpuBufferFit(), memoryLimit: number | null = null): BestFitBufferPool | null {
  const backend = tf.backend() as unknown as PoolBackend;
  const done = installed.get(backend);
  if ((done === null || (done === undefined && fit === 'exact')) && memoryLimit !== null) {
    throw new Error('a GPU memory budget (D2V_WEBGPU_MEMORY_LIMIT or the webgpuMemoryLimit option) needs the best-fit buffer pool; unset D2V_WEBGPU_BUFFER_FIT=exact or set the budget to none.');
  }
  if (done !== undefined) {
    done?.setMemoryLimit(memoryLimit);
    return done;
  }
  if (fit === 'exact') {
    installed.set(backend, null);
    return null;
  }
  // tfjs's own submit (as after every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE kernels): ends the pass, submits, releases the buffers waiting for it
  const flush = () => {
    if (!backend.commandEncoder) return;
    backend.endComputePassEncoder();
    backend.submitQueue();
  };
  const pool = new BestFitBufferPool(backend.device, fit, { memoryLimit, flush });
  pool.adopt(backend.bufferManager);
  backend.bufferManager = pool;
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object) => {
    const over = oversizedBuffer(backend.tensorMap.get(dataId));
    if (!over) return read(dataId);
    const { dtype } = backend.tensorMap.get(dataId)!;
    const values = tf.util.convertBackendValuesAndArrayBuffer(await readBytes(backend, over.buffer, over.bytes), dtype);
    backend.convertAndCacheOnCPU(dataId, values);
    return values;
  };
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    const over = oversizedBuffer(backend.tensorMap.get(dataId));
    const values = readSync(dataId);
    if (!over) return values;
    const cut = (values as Float32Array).slice(0, over.bytes / 4);
    backend.convertAndCacheOnCPU(dataId, cut);
    return cut;
  };
  installed.set(backend, pool);
  return pool;
}

/** The best-fit pool of the active `webgpu` backend, if one is installed. */
export function installedBufferPool(): BestFitBufferPool | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  return installed.get(tf.backend()) ?? undefined;
}
