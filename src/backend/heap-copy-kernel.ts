/**
 * Replacing a tfjs wasm kernel whose outputs are rearranged copies of its input
 * (`Slice`: `./wasm-slice.ts`, `Tile`: `./wasm-tile.ts`, `SplitV`:
 * `./wasm-split.ts`) with one that copies in JavaScript between views of the
 * wasm heap. The views are taken after every output is allocated (allocation
 * can grow the heap, which detaches older views); string tensors, and inputs
 * the plan declines, keep the original kernel.
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

/**
 * Replace the wasm kernel `kernelName` (once registered by tfjs) by `plan`'s
 * copy: one output, or one per plan when it gives a list.
 */
export function replaceHeapCopyKernel(kernelName: string, plan: (x: tf.TensorInfo, attrs: Record<string, unknown>) => HeapCopyPlan | HeapCopyPlan[] | undefined): void {
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
      const plans = Array.isArray(p) ? p : [p];
      const outs = plans.map((q) => wasm.makeOutput(q.shape, x.dtype));
      plans.forEach((q, i) => {
        if (tf.util.sizeFromShape(q.shape) > 0) q.copy(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(outs[i]));
      });
      return Array.isArray(p) ? outs : outs[0];
    },
  });
}
