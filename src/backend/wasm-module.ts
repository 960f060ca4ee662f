/**
 * Instantiating the project's own WebAssembly kernels on the tfjs wasm
 * backend's memory (platform facts: "wasm is the default backend"), so that
 * they read and write tensors in place. Shared by the matrix-product kernel
 * (`./batched-matmul.ts`) and the fused row kernels (`./row-kernels.ts`).
 */

import type * as tf from '@tensorflow/tfjs';

/** The WebAssembly JS API (typed here: the project's lib setting has no DOM types). */
export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBuffer; grow(pages: number): number };
}

/** The engine's WebAssembly, or undefined where there is none. */
export const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** The parts of the tfjs wasm backend that the kernels use. */
export interface WasmBackendInternals {
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  wasm: {
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    asm?: { memory?: unknown };
    wasmMemory?: unknown;
  };
}

/** Bytes of a base64 string. */
export function decodeBase64(text: string): Uint8Array {
  const bytes = atob(text);
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
  return out;
}

/**
 * The backend's memory when a kernel module declaring an unshared imported
 * memory can run on it (a threaded build shares its memory), else undefined.
 */
export function importableHeap(backend: WasmBackendInternals): { buffer: ArrayBuffer } | undefined {
  const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
  const plain =
    webAssembly !== undefined &&
    memory instanceof webAssembly.Memory &&
    !(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
  return plain ? (memory as { buffer: ArrayBuffer }) : undefined;
}

/**
 * `module` instantiated on `backend`'s memory, or undefined when that memory
 * cannot be imported or the engine lacks what the module needs (SIMD).
 */
export function instantiateOnHeap<T>(backend: WasmBackendInternals, module: () => object): T | undefined {
  const heap = importableHeap(backend);
  if (heap === undefined || webAssembly === undefined) return undefined;
  try {
    return new webAssembly.Instance(module(), { env: { memory: heap } }).exports as T;
  } catch {
    return undefined; // no SIMD support: keep tfjs's kernels
  }
}

/** The heap offset of a tensor's data on `backend`. */
export function heapOffset(backend: WasmBackendInternals, dataId: unknown, kernel: string): number {
  const data = backend.dataIdMap.get(dataId);
  if (data === undefined) throw new Error(`${kernel}: an input tensor has no data on the wasm backend.`);
  return data.memoryOffset;
}
