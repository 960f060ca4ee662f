/**
 * A `Tile` kernel for the wasm backend that copies whole runs (spec §1.1, §3: the
 * backward pass of every reduction broadcasts its gradient back with
 * `tf.broadcastTo`, which is `Tile`; `broadcast-gradients.ts`). The tfjs 4.22 wasm
 * kernel computes every output element's source index on its own: broadcasting
 * a [64, 49, 1] gradient to [64, 49, 64] took about 13 ms of CPU, 4 % of a `tiny`
 * image update. Here each input row is written once (or filled, when it is one
 * value wide) and every repetition of a block is one `copyWithin` of the block
 * already written, between views of the heap (`./heap-copy-kernel.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { replaceHeapCopyKernel } from './heap-copy-kernel';

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
  replaceHeapCopyKernel('Tile', (x, attrs) => {
    const reps = (attrs as unknown as { reps: number[] }).reps;
    if (reps.length !== x.shape.length) return undefined; // tfjs's own error message
    return { shape: x.shape.map((n, d) => n * reps[d]), copy: (input, out) => tileInto(input, x.shape, reps, out) };
  });
}
