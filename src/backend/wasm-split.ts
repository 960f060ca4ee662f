/**
 * A `SplitV` kernel for the wasm backend that reads its input in place (spec
 * §1.1: the gradient of joining the CLS token to the patch tokens, a
 * `tf.concat`, is a split). The tfjs 4.22 kernel takes each piece with its
 * internal slice, which copies the whole input out of the heap first and then
 * one innermost row at a time: splitting the gradient of [64, 50, 64] tokens
 * into the CLS token and the patches took about 13 ms of a `tiny` image update.
 * Here each piece is a box copy between views of the heap (`copyBox` of
 * `./wasm-slice.ts`, whole trailing axes merged into long runs) through
 * `./heap-copy-kernel.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { replaceHeapCopyKernel } from './heap-copy-kernel';
import { copyBox } from './wasm-slice';

/** Replace the wasm `SplitV` kernel (numeric dtypes; strings keep the original kernel). */
export function registerInPlaceSplit(): void {
  replaceHeapCopyKernel('SplitV', (x, attrs) => {
    const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const along = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, along);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const shape = x.shape.slice();
      shape[along] = s;
      const from = begin.slice();
      begin[along] += s;
      return { shape, copy: (input: tf.TypedArray, out: tf.TypedArray) => copyBox(input, x.shape, from, shape, out) };
    });
  });
}
