/**
 * Matrix products with more rows than one WebGPU dispatch can cover, cut into
 * row blocks (platform facts, "GPU through WebGPU"; the wav2vec 2.0 feature CNN of
 * spec §1.2 written as frames + matMul, `conv1d.ts`). tfjs-webgpu's matrix-product
 * programs give each workgroup 32 rows of the output and put the rows on the
 * dispatch's Y dimension, which WebGPU caps at 65,535 workgroups: a product of more
 * than 2,097,120 rows fails with "Dispatch size exceeds WebGPU limits in Y or Z
 * dimension". The speech CNN's first layer has one row per 5 samples of the batch,
 * so a micro-batch of more than 655 s of audio (e.g. 64 clips of 15.6 s) crosses
 * it. With fewer than 512 output channels (`small`: 256) the product still fits in
 * one buffer binding and now runs; at 512 (`base`) its output is over 4 GiB, more
 * than a Vulkan adapter binds, so the batch must shrink anyway. Here such a product
 * is one product per block of rows, concatenated; the gradient is the same sums
 * (tfjs's rules for slice, matMul and concat).
 */
import * as tf from '@tensorflow/tfjs';

/** Most rows of a product per tfjs-webgpu dispatch: 65,535 workgroups × 32 rows. */
export const MAX_WEBGPU_MATMUL_ROWS = 65_535 * 32;

/** Row blocks [start, size] of `rows` rows, as few and as equal as `maxRows` allows. */
export function rowBlocks(rows: number, maxRows: number): [number, number][] {
  const count = Math.max(1, Math.ceil(rows / maxRows));
  const size = Math.ceil(rows / count);
  const blocks: [number, number][] = [];
  for (let start = 0; start < rows; start += size) blocks.push([start, Math.min(size, rows - start)]);
  return blocks;
}

/**
 * a·b (a·bᵀ with `transposeB`) as `tf.matMul`, computed one block of at most
 * `maxRows` rows of a (its second-to-last axis) at a time when a has more.
 */
export function matMulByRowBlocks(a: tf.Tensor, b: tf.Tensor, transposeB = false, maxRows = MAX_WEBGPU_MATMUL_ROWS): tf.Tensor {
  const axis = a.rank - 2;
  const rows = a.shape[axis] as number;
  if (rows <= maxRows) return tf.matMul(a, b, false, transposeB);
  return tf.tidy(() => {
    const parts = rowBlocks(rows, maxRows).map(([start, size]) => {
      const begin = a.shape.map((_, i) => (i === axis ? start : 0));
      const extent = a.shape.map((d, i) => (i === axis ? size : d));
      return tf.matMul(tf.slice(a, begin, extent), b, false, transposeB);
    });
    return tf.concat(parts, axis);
  });
}
