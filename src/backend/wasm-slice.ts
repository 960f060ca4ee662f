/**
 * A `Slice` kernel for the wasm backend that reads its input in place. The tfjs
 * 4.22 kernel starts with `backend.readSync(x)`, which copies the whole input out
 * of the wasm heap on every call, so a slice of a few rows of a large tensor costs
 * as much as copying the tensor (convolution frames and gradient bookkeeping slice
 * often; measured about a quarter of a tiny speech training step). Here both the
 * input and the output are views of the heap, taken after the output is allocated
 * (allocation can grow the heap, which detaches older views).
 */
import * as tf from '@tensorflow/tfjs';
import { replaceHeapCopyKernel } from './heap-copy-kernel';

/**
 * The same box over fewer axes: each trailing axis taken whole merges into the axis
 * before it, so the innermost axis is the longest contiguous run. Dropping the CLS
 * token of [64, 50, 64] is then 64 copies of 3,136 floats, not 3,136 copies of 64
 * (each copy is a JavaScript call; measured 2 ms for that slice before, 0.2 after).
 */
export function mergeWholeAxes(shape: number[], begin: number[], size: number[]): [number[], number[], number[]] {
  const s = shape.slice();
  const b = begin.slice();
  const z = size.slice();
  while (s.length > 1 && z[s.length - 1] === s[s.length - 1]) {
    const inner = s.pop() as number;
    b.pop();
    z.pop();
    const d = s.length - 1;
    s[d] *= inner;
    b[d] *= inner;
    z[d] *= inner;
  }
  return [s, b, z];
}

/** Copy the box `begin`..`begin+size` of a row-major tensor `x` of shape `shape` into `out`. */
export function copyBox(x: tf.TypedArray, fullShape: number[], fullBegin: number[], fullSize: number[], out: tf.TypedArray): void {
  const [shape, begin, size] = mergeWholeAxes(fullShape, fullBegin, fullSize);
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  const row = size[rank - 1];
  const rows = size.slice(0, rank - 1).reduce((a, b) => a * b, 1);
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0; r < rows; r++) {
    let offset = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) offset += (begin[d] + index[d]) * strides[d];
    out.set(x.subarray(offset, offset + row), r * row);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
}

/** Replace the wasm `Slice` kernel (numeric dtypes; strings keep the original kernel). */
export function registerInPlaceSlice(): void {
  replaceHeapCopyKernel('Slice', (x, attrs) => {
    const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
    return { shape: size_, copy: (input, out) => copyBox(input, x.shape, begin_, size_, out) };
  });
}
