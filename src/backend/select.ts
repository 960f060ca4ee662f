/**
 * Backend choice (platform facts, "TensorFlow.js"): `tensorflow` when
 * `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` is installed (an optional
 * extra, never a dependency), otherwise `wasm`, with `cpu` as the fallback.
 * `--backend` or the `D2V_BACKEND` environment variable override the choice;
 * `webgpu` (Dawn, `./webgpu.ts`) is the GPU route and is never picked by `auto`.
 * Every backend gets the backward pass that frees as it goes (`lean-backward.ts`).
 * On wasm, matrix products run on `threads` threads (`--threads`, `D2V_THREADS`,
 * default one per core; `./matmul-pool.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './wasm-kernels';
import { installLeanBackward } from './lean-backward';
import { registerTileGradient } from './tile-gradient';
import { registerBroadcastGradients } from './broadcast-gradients';
import { setMatMulThreads, startMatMulThreads } from './batched-matmul';
import { requestedThreads } from './matmul-threads';
import { WebGpuAdapter, WebGpuMatMul, describeAdapter, requestedWebGpuMatMul, setWebGpuMatMul, startWebGpu } from './webgpu';
import { tuneWebGpuQueue } from './webgpu-queue';
import { BufferFit, installBufferPool } from './webgpu-buffer-pool';
import { formatBytes, requestedWebGpuMemoryLimit, webGpuMemoryLimit } from './webgpu-memory-limit';
import { registerWebGpuRowKernels } from './webgpu-row-kernels';
import { rowKernelsActive } from './row-kernels';

export type BackendName = 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow', 'webgpu'];

/**
 * The optional native package that provides the `tensorflow` backend, if installed.
 * The package's own name is checked: danfojs-node's install override puts plain
 * `@tensorflow/tfjs` under the `@tensorflow/tfjs-node` folder, which has no native code.
 */
export function nativePackage(): string | undefined {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const manifest = require(`${name}/package.json`) as { name?: string };
      if (manifest.name === name) return name;
    } catch {
      /* not installed */
    }
  }
  return undefined;
}

/** What the user asked for: the flag, then D2V_BACKEND, then `auto`. */
export function requestedBackend(flag?: string): BackendName | 'auto' {
  const raw = (flag ?? process.env.D2V_BACKEND ?? 'auto').trim().toLowerCase();
  if (raw === 'auto' || raw === '') return 'auto';
  if ((BACKEND_NAMES as readonly string[]).includes(raw)) return raw as BackendName;
  const source = flag !== undefined ? '--backend' : 'D2V_BACKEND';
  throw new Error(`${source} is "${raw}", which is not a backend; use one of auto, ${BACKEND_NAMES.join(', ')}.`);
}

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, in words, for the start-up line. */
  reason: string;
  simd?: boolean;
  nativePackage?: string;
  /** The WebGPU adapter (backend `webgpu` only). */
  adapter?: WebGpuAdapter;
  /** Threads that run matrix products (backend `wasm` only). */
  threads?: number;
  /**
   * Backend `webgpu` only: its matrix-product program, whether the fused WGSL kernels
   * run, the buffer-reuse rule (`webgpu-buffer-pool.ts`) and the device-memory budget
   * of the buffer pool in bytes, null for none (`webgpu-memory-limit.ts`).
   */
  webgpu?: { matmul: WebGpuMatMul; fusedKernels: boolean; bufferFit: BufferFit; memoryLimit: number | null };
}

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /**
   * Threads for matrix products on wasm (a number, or the text of `--threads`);
   * default `D2V_THREADS`, else one per core. 1: the main thread only.
   */
  threads?: number | string;
  /**
   * Backend `webgpu`: tfjs's packed (tiled) matrix-product program for every product,
   * or tfjs's choice per shape (`auto`); default `D2V_WEBGPU_MATMUL`, else `packed`.
   */
  webgpuMatMul?: WebGpuMatMul | string;
  /**
   * Backend `webgpu`: the buffer pool's device-memory budget, bytes or a size with its
   * unit (`"80GB"`, `"80GiB"`), or `"none"`; default `D2V_WEBGPU_MEMORY_LIMIT`, else 90 %
   * of the adapter's device-local memory where the adapter reports it, else none.
   * Free buffers are destroyed before the pool would exceed it, and a buffer that does
   * not fit beside those in use fails at once with the out-of-GPU-memory sentence.
   */
  webgpuMemoryLimit?: number | string;
}

let current: BackendInfo | undefined;

/**
 * Initialise TensorFlow.js on the requested backend (`auto` picks tensorflow when a
 * native package is installed, else wasm, falling back to cpu) and return what was chosen.
 */
export async function initBackend(flag?: string, options: BackendOptions = {}): Promise<BackendInfo> {
  const want = requestedBackend(flag);
  const threads = requestedThreads(options.threads);
  installLeanBackward();
  registerTileGradient();
  registerBroadcastGradients();
  if (want === 'webgpu') {
    const matmul = requestedWebGpuMatMul(options.webgpuMatMul);
    const requestedLimit = requestedWebGpuMemoryLimit(options.webgpuMemoryLimit);
    const adapter = await startWebGpu();
    registerWebGpuRowKernels();
    let ok = false;
    let cause = '';
    try {
      ok = await tf.setBackend('webgpu');
      await tf.ready();
    } catch (e) {
      cause = ` (${(e as Error).message.split('\n')[0]})`;
    }
    if (!ok) throw new Error(`backend "webgpu": the adapter ${describeAdapter(adapter)} was found but the tfjs WebGPU backend failed to start on it${cause}; pick --backend wasm.`);
    tuneWebGpuQueue();
    const pool = installBufferPool(undefined, webGpuMemoryLimit(requestedLimit, adapter.deviceLocalMemory));
    setWebGpuMatMul(matmul);
    current = {
      name: 'webgpu',
      reason: 'requested',
      adapter,
      webgpu: { matmul, fusedKernels: rowKernelsActive(), bufferFit: pool ? pool.fit : 'exact', memoryLimit: pool ? pool.memoryLimit : null },
    };
    return current;
  }
  const native = nativePackage();
  if (want === 'tensorflow' || (want === 'auto' && native !== undefined)) {
    if (native === undefined) {
      throw new Error(
        'backend "tensorflow" needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node; install one (see the README, "Full pretraining on a GPU host") or pick --backend wasm.',
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(native);
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${native} is installed but its tensorflow backend failed to start.`);
    await tf.ready();
    current = { name: 'tensorflow', reason: want === 'auto' ? `auto: ${native} is installed` : 'requested', nativePackage: native };
    return current;
  }
  if (want === 'wasm' || want === 'auto') {
    registerWasmKernels();
    let ok = false;
    try {
      ok = await tf.setBackend('wasm');
      await tf.ready();
    } catch {
      ok = false;
    }
    if (ok) {
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      setMatMulThreads(threads);
      current = { name: 'wasm', reason: want === 'auto' ? 'auto: default' : 'requested', simd, threads: await startMatMulThreads() };
      return current;
    }
    if (want === 'wasm') throw new Error('the wasm backend failed to start; try --backend cpu.');
  }
  await tf.setBackend('cpu');
  await tf.ready();
  current = { name: 'cpu', reason: want === 'auto' ? 'auto: wasm failed to start, cpu fallback' : 'requested' };
  return current;
}

/** The backend chosen by the last `initBackend` call, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/** One line for the start of a run: `backend: wasm (auto: default, SIMD)`. */
export function describeBackend(info: BackendInfo): string {
  if (info.adapter) {
    const w = info.webgpu;
    const budget = w?.memoryLimit ? `, GPU memory budget ${formatBytes(w.memoryLimit)}` : '';
    const settings = w ? `, ${w.matmul} matmul, ${w.fusedKernels ? 'fused' : 'composed'} row kernels, ${w.bufferFit === 'exact' ? 'exact-size' : `best-fit (≤ ${w.bufferFit}×)`} buffer reuse${budget}` : '';
    return `backend: ${info.name} (${info.reason}, adapter ${describeAdapter(info.adapter)}${settings})`;
  }
  const simd = info.simd === undefined ? '' : info.simd ? ', SIMD' : ', no SIMD';
  const threads = info.threads === undefined ? '' : `, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return `backend: ${info.name} (${info.reason}${simd}${threads})`;
}
