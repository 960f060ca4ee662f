/**
 * The `webgpu` backend on Dawn (platform facts, "GPU through WebGPU"):
 * `@tensorflow/tfjs-backend-webgpu` driven by the `webgpu` npm package (Dawn for
 * Node.js, its native binary inside the npm tarball). Both are optional
 * dependencies, loaded only here.
 *
 * Start-up order matters: the adapter is requested first (so a machine without
 * one gets a plain sentence, not a tfjs stack), then `navigator.gpu` is set to a
 * shim that hands that adapter to the backend, and only then is the backend module
 * loaded (it registers itself only when `navigator.gpu` exists).
 *
 * Adapter choice: Dawn's default (Vulkan on Linux, so an NVIDIA or AMD GPU with its
 * driver's Vulkan ICD, or on a CPU-only machine Mesa ≥ 24's lavapipe, which Dawn
 * accepts where it refuses Debian 12's 22.3); when there is none, Dawn's OpenGL ES backend in
 * compatibility mode, which on a machine without a GPU is Mesa's llvmpipe software
 * rasterizer (`EGL_PLATFORM=surfaceless`). `D2V_DAWN_FLAGS` (comma-separated Dawn
 * toggles, e.g. `backend=vulkan,adapter=H100`) replaces that search with one try.
 *
 * In Node, `dataSync`/`arraySync` throw on this backend: everything the project
 * reads back is read with `await t.data()`.
 */
import * as tf from '@tensorflow/tfjs';
import { installedBufferPool } from './webgpu-buffer-pool';
import { deviceLocalMemory } from './webgpu-memory-limit';

/** What runs the `webgpu` backend: the adapter, Dawn's backend, and how it was found. */
export interface WebGpuAdapter {
  /** Adapter name (Dawn's `device`, else its description). */
  name: string;
  /** Dawn's native backend: `vulkan`, `opengles`, `metal`, `d3d12`. */
  dawnBackend: string;
  /** Driver description, e.g. `OpenGL ES 3.2 Mesa 22.3.6`. */
  description: string;
  /** True for a software rasterizer (llvmpipe, lavapipe, SwiftShader): correct, but not a GPU. */
  software: boolean;
  /** `core` or `compatibility` (the feature level the adapter was requested with). */
  featureLevel: 'core' | 'compatibility';
  /** Bytes of the largest device-local memory heap, where the adapter reports its heaps (`webgpu-memory-limit.ts`). */
  deviceLocalMemory?: number;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; memoryHeaps?: { size: number | bigint; properties: number }[] };
  requestDevice: (descriptor?: unknown) => Promise<unknown>;
}
interface GpuLike {
  requestAdapter: (options?: { featureLevel?: string; powerPreference?: string }) => Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create: (flags: string[]) => GpuLike;
  globals: Record<string, unknown>;
}

const INSTALL_HINT = 'install them with `npm install webgpu @tensorflow/tfjs-backend-webgpu@4.22.0` (both optional dependencies of data2vec-ts)';

/** One attempt of the adapter search: Dawn toggles and the feature level asked for. */
interface Attempt {
  flags: string[];
  featureLevel: 'core' | 'compatibility';
}

/** The adapters tried in order (see the file header). */
export function adapterAttempts(env: NodeJS.ProcessEnv = process.env): Attempt[] {
  const custom = env.D2V_DAWN_FLAGS?.trim();
  if (custom) {
    const flags = custom.split(',').map((s) => s.trim()).filter(Boolean);
    const gles = flags.some((f) => /^backend=(opengles|opengl)$/.test(f));
    return [{ flags, featureLevel: gles ? 'compatibility' : 'core' }];
  }
  // Dawn rounds timestamp queries (a browser's guard against timing attacks) unless told not to; kernel profiles need them exact.
  const exact = 'disable-dawn-features=timestamp_quantization';
  return [
    { flags: [exact], featureLevel: 'core' },
    { flags: ['backend=opengles', exact], featureLevel: 'compatibility' },
  ];
}

/** Dawn's native backend for an attempt: its `backend=` toggle, else the platform's default. */
export function dawnBackendOf(flags: readonly string[], platform: string = process.platform): string {
  const set = flags.find((f) => f.startsWith('backend='));
  if (set) return set.slice('backend='.length);
  return platform === 'darwin' ? 'metal' : platform === 'win32' ? 'd3d12' : 'vulkan';
}

/**
 * Load an optional package, or say in one sentence that it is missing. `load` is a
 * literal `require('…')`, so that a bundler (the offline gpu-check bundle) sees it.
 */
function loadOptional<T>(name: string, load: () => unknown): T {
  try {
    return load() as T;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error(`backend "webgpu" needs the npm package ${name}, which is not installed; ${INSTALL_HINT}.`);
    }
    throw new Error(`backend "webgpu": the npm package ${name} failed to load (${err.message.split('\n')[0]}); reinstall it, or pick --backend wasm.`);
  }
}

let navigatorSet = false;
/** Every Dawn instance created, kept alive to the end: destroying one whose adapter search failed aborts the process. */
const instances: GpuLike[] = [];
let adapterInUse: WebGpuAdapter | undefined;

/**
 * Find an adapter, install the `navigator.gpu` shim and load the tfjs backend.
 * Throws one sentence when a package is missing or no adapter can be created.
 * Safe to call again: the second call returns the first adapter.
 */
export async function startWebGpu(): Promise<WebGpuAdapter> {
  if (adapterInUse && tf.findBackend('webgpu')) return adapterInUse;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dawn = loadOptional<DawnModule>('webgpu', () => require('webgpu'));
  // Dawn's EGL on a headless machine needs a platform without a display.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const tried: string[] = [];
  let found: { adapter: GpuAdapterLike; attempt: Attempt } | undefined;
  for (const attempt of adapterAttempts()) {
    let adapter: GpuAdapterLike | null = null;
    try {
      const gpu = dawn.create(attempt.flags);
      instances.push(gpu);
      adapter = await gpu.requestAdapter({ featureLevel: attempt.featureLevel, powerPreference: 'high-performance' });
    } catch {
      adapter = null;
    }
    tried.push(`${dawnBackendOf(attempt.flags)}${attempt.featureLevel === 'compatibility' ? ' (compatibility)' : ''}`);
    if (adapter) {
      found = { adapter, attempt };
      break;
    }
  }
  if (!found) {
    throw new Error(
      `backend "webgpu" found no WebGPU adapter (tried Dawn ${tried.join(', then ')}); on a GPU host install the Vulkan loader (apt-get install libvulkan1) and the GPU driver's Vulkan ICD (set VK_DRIVER_FILES to its JSON if it is not system-wide), ` +
        'on a CPU-only host Mesa ≥ 24\'s lavapipe (apt-get install mesa-vulkan-drivers; on Debian 12 from bookworm-backports) or Mesa\'s EGL/GLES (apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri), or pick --backend wasm.',
    );
  }
  const { adapter, attempt } = found;
  const info = adapter.info ?? {};
  const description = info.description ?? '';
  const name = info.device || description || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const software = /llvmpipe|lavapipe|swiftshader|software/i.test(`${name} ${description}`);
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v;
  const shim: GpuLike = { requestAdapter: async () => adapter };
  g.navigator = { ...(g.navigator as object | undefined), gpu: shim };
  navigatorSet = true;
  process.once('exit', releaseWebGpu);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loadOptional('@tensorflow/tfjs-backend-webgpu', () => require('@tensorflow/tfjs-backend-webgpu'));
  adapterInUse = { name, dawnBackend: dawnBackendOf(attempt.flags), description, software, featureLevel: attempt.featureLevel };
  const heap = deviceLocalMemory(info);
  if (heap !== undefined) adapterInUse.deviceLocalMemory = heap;
  return adapterInUse;
}

/** The adapter `startWebGpu` found, if it ran. */
export function webGpuAdapter(): WebGpuAdapter | undefined {
  return adapterInUse;
}

/**
 * Drop the `navigator.gpu` reference so that Node can exit (Dawn's instance keeps
 * the event loop alive while it is reachable). Called at exit; call it yourself
 * after switching to another backend.
 */
export function releaseWebGpu(): void {
  if (!navigatorSet) return;
  const nav = (globalThis as Record<string, unknown>).navigator as Record<string, unknown> | undefined;
  if (nav) delete nav.gpu;
  navigatorSet = false;
}

/** `llvmpipe (Dawn opengles, software adapter)` for the start-up line. */
export function describeAdapter(a: WebGpuAdapter): string {
  return `${a.name} (Dawn ${a.dawnBackend}${a.software ? ', software adapter, not a GPU' : ''})`;
}

/** The advice printed when an update does not fit in device memory. */
export function outOfMemoryMessage(batchSize: number, accumulation: number, detail: string): string {
  const advice =
    batchSize > 1
      ? `use --batch-size ${Math.floor(batchSize / 2)} --accumulation ${accumulation * 2} (the same samples per update) or a smaller preset`
      : 'use a smaller preset (--preset) or shorter inputs';
  return `out of GPU memory at batch size ${batchSize} (accumulation ${accumulation}): ${detail}; ${advice}.`;
}

interface GpuBufferLike {
  destroy(): void;
}

interface BufferPool {
  freeBuffers: Map<string, GpuBufferLike[]>;
  numFreeBuffers: number;
  numBytesAllocated: number;
}

/**
 * Give back to the driver the GPU buffers tfjs keeps for reuse. tfjs's WebGPU backend
 * never frees a released buffer: it keeps it in a pool keyed by size, so after a
 * large batch (or one that did not fit) the pool holds that memory and a smaller
 * batch can run out of memory beside it. Buffers of live tensors are not touched.
 * Returns the bytes freed (0 on other backends).
 */
export function releaseFreeGpuBuffers(): number {
  if (tf.getBackend() !== 'webgpu') return 0;
  const bestFit = installedBufferPool();
  if (bestFit) return bestFit.releaseFree();
  const pool = (tf.backend() as unknown as { bufferManager?: BufferPool }).bufferManager;
  if (!pool?.freeBuffers) return 0;
  let bytes = 0;
  for (const [key, buffers] of pool.freeBuffers) {
    const size = Number(key.split('_')[0]);
    for (const b of buffers) {
      b.destroy();
      bytes += size;
    }
    buffers.length = 0;
  }
  pool.numFreeBuffers = 0;
  pool.numBytesAllocated -= bytes;
  return bytes;
}

/** Dawn's `createBuffer` throws this (rather than reporting to an error scope) when a mapped buffer cannot be allocated; the buffer pool refuses a tensor beyond the binding limit or a buffer beyond its memory budget. */
function isAllocationFailure(e: unknown): boolean {
  return e instanceof Error && /createBuffer failed to allocate|out of (device )?memory|OUT_OF_DEVICE_MEMORY|binds per buffer \(maxStorageBufferBindingSize|does not fit in the GPU memory budget/i.test(e.message);
}

interface ErrorScopeDevice {
  pushErrorScope: (filter: 'out-of-memory' | 'validation') => void;
  popErrorScope: () => Promise<{ message: string } | null>;
}

/**
 * Run one update inside WebGPU error scopes when the webgpu backend is active (a
 * plain call otherwise). Dawn reports an allocation that does not fit, or a buffer
 * beyond the adapter's size limits, to the scope rather than as an exception; such
 * an update is turned into one sentence naming the batch size and what to change
 * (nothing is checkpointed after a failed update). A `createBuffer` that throws for
 * lack of memory is reported the same way. After an out-of-memory update the pool of
 * free buffers is given back ({@link releaseFreeGpuBuffers}).
 */
export async function guardDeviceMemory<T>(update: () => Promise<T>, batchSize: number, accumulation: number): Promise<T> {
  const device = tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as { device?: ErrorScopeDevice }).device : undefined;
  if (!device) return update();
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let result: T | undefined;
  let failure: unknown;
  try {
    result = await update();
  } catch (e) {
    failure = e;
  }
  const oom = await device.popErrorScope();
  const invalid = await device.popErrorScope();
  if (oom || isAllocationFailure(failure)) {
    releaseFreeGpuBuffers(); // a retry at a smaller batch gets the memory the pool held
    const detail = oom ? oom.message : (failure as Error).message;
    throw new Error(outOfMemoryMessage(batchSize, accumulation, detail.split('\n')[0]));
  }
  if (invalid && /size|limit|exceed/i.test(invalid.message)) {
    throw new Error(outOfMemoryMessage(batchSize, accumulation, `a buffer exceeds the adapter's limits (${invalid.message.split('\n')[0]})`));
  }
  if (invalid) throw new Error(`WebGPU rejected a kernel of this update: ${invalid.message.split('\n')[0]}`);
  if (failure !== undefined) throw failure;
  return result as T;
}

/**
 * Which tfjs-webgpu program runs matrix products: `packed` (tfjs's
 * `MatMulPackedProgram`, tiled with shared memory; measured 20–24 TFLOP/s on ViT-B
 * MLP shapes on an H200 against 6.6–10.5 for tfjs's own choice) or `auto` (tfjs
 * picks per shape, among others a split-K program with atomic adds).
 */
export type WebGpuMatMul = 'packed' | 'auto';

/** tfjs's `MatMulProgramType.MatMulPackedProgram` (`WEBGPU_MATMUL_PROGRAM_TYPE`; −1 lets tfjs choose). */
const MATMUL_PACKED_PROGRAM = 3;

/** The matrix-product program asked for: the option, then `D2V_WEBGPU_MATMUL`, default `packed`. */
export function requestedWebGpuMatMul(option?: string, env: NodeJS.ProcessEnv = process.env): WebGpuMatMul {
  const raw = (option ?? env.D2V_WEBGPU_MATMUL ?? 'packed').trim().toLowerCase();
  if (raw === 'packed' || raw === 'auto') return raw;
  const source = option !== undefined ? 'the webgpuMatMul option' : 'D2V_WEBGPU_MATMUL';
  throw new Error(`${source} is "${raw}", which is not a WebGPU matrix-product program; use packed or auto.`);
}

/** Set tfjs-webgpu's matrix-product program (after the backend module is loaded: it registers the flag). */
export function setWebGpuMatMul(choice: WebGpuMatMul): void {
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', choice === 'packed' ? MATMUL_PACKED_PROGRAM : -1);
}
