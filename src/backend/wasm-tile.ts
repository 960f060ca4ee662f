/**
 * A `Tile` kernel for the wasm backend that copies whole runs (spec §1.1, §3: the
 * backward pass of every reduction broadcasts its gradient back with
 * `tf.broadcastTo`, which is `Tile`; `broadcast-gradients.ts`). The tfjs 4.22 wasm
 * kernel computes every output element's source index on its own: broadcasting
 * a [64, 49, 1] gradient to [64, 49, 64] took about 13 ms of CPU, 4 % of a `tiny`
 * image update. Here each input row is written once (or filled, when it is one
 * value wide) and every repetition of a block is one `copyWithin` of the block
 * already written; input and output are views of the heap, taken after the
 * output is allocated (allocation can grow the heap).
 */
import * as tf from '@tensorflow/tfjs';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/** Write `x` (shape `shape`, row-major) repeated `reps[d]` times along each axis d into `out`. */
export function tileInto(x: tf.TypedArray, shape: number[], reps: number[], out: tf.TypedArray): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  const inner = new Array<number>(rank + 1).fill(1);
  const outInner = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    inner[d] = inner[d + 1] * shape[d];
    outInner[d] = outInner[d + 1] * shape[d] * reps[d];
  }
  const write = (d: number, from: number, to: number): void => {
    const n = shape[d];
    if (d === rank - 1) {
      if (n === 1) out.fill(x[from], to, to + reps[d]);
      else out.set(x.subarray(from, from + n), to);
    } else {
      for (let i = 0; i < n; i++) write(d + 1, from + i * inner[d + 1], to + i * outInner[d + 1]);
    }
    const block = n * outInner[d + 1];
    if (n === 1 && d === rank - 1) return; // filled with every repetition already
    for (let k = 1; k < reps[d]; k++) out.copyWithin(to + k * block, to, to + block);
  };
  write(0, 0, 0);
}

/** Replace the wasm `Tile` kernel (numeric dtypes; strings keep the original kernel). */
export function registerRunTile(): void {
  const original = tf.getKernel('Tile', 'wasm');
  if (original === undefined) return;
  tf.unregisterKernel('Tile', 'wasm');
  tf.registerKernel({
    kernelName: 'Tile',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const x = (inputs as { x: tf.TensorInfo }).x;
      if (x.dtype === 'string') return original.kernelFunc(args);
      const reps = (attrs as unknown as { reps: number[] }).reps;
      if (reps.length !== x.shape.length) return original.kernelFunc(args); // tfjs's own error message
      const wasm = backend as unknown as WasmHeapBackend;
      const out = wasm.makeOutput(x.shape.map((n, d) => n * reps[d]), x.dtype);
      if (tf.util.sizeFromShape(out.shape) === 0) return out;
      tileInto(wasm.typedArrayFromHeap(x), x.shape, reps, wasm.typedArrayFromHeap(out));
      return out;
    },
  });
}
