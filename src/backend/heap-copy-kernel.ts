/**
 * Replacing a tfjs wasm kernel whose output is a rearranged copy of its input
 * (`Slice`: `./wasm-slice.ts`, `Tile`: `./wasm-tile.ts`) with one that copies
 * in JavaScript between views of the wasm heap. The views are taken after the
 * output is allocated (allocation can grow the heap, which detaches older
 * views); string tensors, and inputs the plan declines, keep the original kernel.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/** The output shape of one call and how to fill it from the input. */
export interface HeapCopyPlan {
  shape: number[];
  copy(input: tf.TypedArray, out: tf.TypedArray): void;
}

/** Replace the wasm kernel `kernelName` (once registered by tfjs) by `plan`'s copy. */
export function replaceHeapCopyKernel(kernelName: string, plan: (x: tf.TensorInfo, attrs: Record<string, unknown>) => HeapCopyPlan | undefined): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (original === undefined) return;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      const p = x.dtype === 'string' ? undefined : plan(x, (args.attrs ?? {}) as Record<string, unknown>);
      if (p === undefined) return original.kernelFunc(args);
      const wasm = args.backend as unknown as WasmHeapBackend;
      const out = wasm.makeOutput(p.shape, x.dtype);
      if (tf.util.sizeFromShape(p.shape) > 0) p.copy(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(out));
      return out;
    },
  });
}
