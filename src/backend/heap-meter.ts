/**
 * The wasm backend's heap as a budget (platform facts, "TensorFlow.js": the wasm
 * backend is the default). Its memory grows on demand up to a fixed maximum
 * (4 GiB − 64 KiB in tfjs 4.22's build) and never shrinks; past that, an
 * allocation fails and tfjs writes the tensor at address 0, which ends in
 * `memory access out of bounds`. `meterPeakBytes` measures the most bytes a
 * function holds at once through the backend's allocator (tensors and kernel
 * scratch), which is what an estimate of an update's peak needs.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of the wasm backend used here. */
interface WasmHeapBackend {
  wasm: {
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    HEAPU8: Uint8Array;
  };
}

/** The maximum size of the tfjs 4.22 wasm heap (emscripten's `getHeapMax`). */
export const WASM_HEAP_MAX_BYTES = 4294901760;

function wasmBackend(): WasmHeapBackend | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as WasmHeapBackend;
  return typeof backend.wasm?._malloc === 'function' ? backend : undefined;
}

/** Bytes the wasm heap currently spans (it only grows), or undefined off wasm. */
export function wasmHeapBytes(): number | undefined {
  return wasmBackend()?.wasm.HEAPU8.buffer.byteLength;
}

/** The result of {@link meterPeakBytes}. */
export interface MeteredRun<T> {
  result: T;
  /** The most bytes allocated by `fn` and not yet freed, at any moment during it. */
  peakBytes: number;
  /** Bytes allocated by `fn` and still held when it returned. */
  heldBytes: number;
}

/**
 * Run `fn` and measure the peak of the bytes it holds through the wasm backend's
 * allocator (freed memory that `fn` did not allocate is not subtracted). Off the
 * wasm backend the peak is tfjs's own tensor byte count sampled after `fn`, i.e.
 * only what `fn` left allocated.
 */
export function meterPeakBytes<T>(fn: () => T): MeteredRun<T> {
  const backend = wasmBackend();
  if (backend === undefined) {
    const before = tf.memory().numBytes;
    const result = fn();
    const held = Math.max(0, tf.memory().numBytes - before);
    return { result, peakBytes: held, heldBytes: held };
  }
  const wasm = backend.wasm;
  const malloc = wasm._malloc;
  const free = wasm._free;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  wasm._malloc = (bytes: number) => {
    const pointer = malloc.call(wasm, bytes);
    sizes.set(pointer >>> 0, bytes);
    live += bytes;
    if (live > peak) peak = live;
    return pointer;
  };
  wasm._free = (pointer: number) => {
    const bytes = sizes.get(pointer >>> 0);
    if (bytes !== undefined) {
      live -= bytes;
      sizes.delete(pointer >>> 0);
    }
    free.call(wasm, pointer);
  };
  try {
    const result = fn();
    return { result, peakBytes: peak, heldBytes: live };
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
}
