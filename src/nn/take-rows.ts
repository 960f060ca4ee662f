/**
 * Rows of a matrix picked by a fixed, host-side index, with a scatter-add
 * gradient: the one data-movement primitive under data2vec 2.0's token gathers
 * (spec §2.5: `gather_unmasked`, `repeat_interleave`, the decoder's un-shuffle)
 * and the v2 image decoder's convolution frames (spec §5.3, `conv2d.ts`).
 *
 * On the wasm and cpu backends the rows are copied by a JavaScript loop over the
 * tensor's data: tfjs-wasm's `GatherV2` moves ~5× slower than that loop
 * (measured, forward + backward, 12,544 rows of 64 floats: 104 ms against 29 ms of
 * CPU), and its gradient, a segment sum, is a JavaScript loop here anyway
 * (`src/backend/wasm-kernels.ts`). Other backends (tensorflow, webgl) keep their
 * device memory: there the same function is `tf.gather` on x with a zero row
 * appended, and its gradient is gathers too (one per use of the most-used row),
 * not the backend's segment sum.
 */
import * as tf from '@tensorflow/tfjs';
import { addMany } from './add-many';

/** Backends on which {@link takeRows} copies in JavaScript (their tensor data lives in host memory). */
export const HOST_BACKENDS: ReadonlySet<string> = new Set(['wasm', 'cpu']);

/**
 * The values of a tensor on a host-memory backend (wasm, cpu), where they already
 * live in this process's memory: a view, not a device read, so it is the one
 * synchronous access the project allows (the training loop, checkpoints and probes
 * read with `await t.data()`). Throws on any other backend.
 */
export function hostMemoryValues(t: tf.Tensor): Float32Array | Int32Array | Uint8Array {
  const backend = tf.getBackend();
  if (!HOST_BACKENDS.has(backend)) throw new Error(`hostMemoryValues: the ${backend} backend keeps tensors in device memory; read them with await t.data().`);
  return tf.backend().readSync(t.dataId) as Float32Array | Int32Array | Uint8Array;
}

/** out[k·w … k·w + w) = src[index[k]·w …] (zeros where index[k] < 0). */
function copyRows(src: Float32Array, index: Int32Array, w: number): Float32Array {
  const out = new Float32Array(index.length * w);
  for (let k = 0; k < index.length; k++) {
    const s = index[k];
    if (s >= 0) out.set(src.subarray(s * w, s * w + w), k * w);
  }
  return out;
}

/** acc[index[k]·w …] += g[k·w …] for every k with index[k] ≥ 0 (the gradient of {@link copyRows}). */
function scatterAddRows(g: Float32Array, index: Int32Array, w: number, rows: number): Float32Array {
  const acc = new Float32Array(rows * w);
  for (let k = 0; k < index.length; k++) {
    const s = index[k];
    if (s < 0) continue;
    const i = s * w;
    const o = k * w;
    for (let j = 0; j < w; j++) acc[i + j] += g[o + j];
  }
  return acc;
}

/** Per index array (kept by the caller, e.g. convolution frames): its gather form for a matrix of n rows. */
interface DeviceIndex {
  n: number;
  /** index with −1 replaced by n, the appended zero row. */
  gather: Int32Array;
  /** {@link occurrenceIndices}, made at the first backward pass. */
  occurrences?: Int32Array[];
}

const deviceIndices = new WeakMap<Int32Array, DeviceIndex>();

function deviceIndex(index: Int32Array, n: number): DeviceIndex {
  let entry = deviceIndices.get(index);
  if (!entry || entry.n !== n) {
    const gather = new Int32Array(index.length);
    for (let k = 0; k < index.length; k++) gather[k] = index[k] < 0 ? n : index[k];
    entry = { n, gather };
    deviceIndices.set(index, entry);
  }
  return entry;
}

/** x [n, w] → rows `index` of x with a zero row appended (−1 → that zero row), by `tf.gather`. */
function gatherWithZeroRow(x: tf.Tensor, index: Int32Array): tf.Tensor2D {
  const [n, w] = x.shape as [number, number];
  return tf.tidy(() => {
    const padded = tf.concat([x, tf.zeros([1, w], x.dtype)], 0);
    return tf.gather(padded, tf.tensor1d(deviceIndex(index, n).gather, 'int32')) as tf.Tensor2D;
  });
}

/**
 * For each j, the output row holding the j-th use of every source row (index.length,
 * a zero row, where a source row has fewer than j + 1 uses): the scatter-add inverted
 * into gathers.
 */
export function occurrenceIndices(index: Int32Array, n: number): Int32Array[] {
  const uses = new Int32Array(n);
  const lists: Int32Array[] = [];
  for (let k = 0; k < index.length; k++) {
    const s = index[k];
    if (s < 0) continue;
    const j = uses[s]++;
    if (j === lists.length) lists.push(new Int32Array(n).fill(index.length));
    lists[j][s] = k;
  }
  return lists;
}

/**
 * The gradient of a row gather on a device backend: Σ_j gather([dy; 0], occurrences_j),
 * one gather per use of the most-used row (1 for gather_unmasked, the clone count
 * for repeat_interleave). The same sums as a segment sum, without atomics or the
 * segment-sum kernel's transposes (tfjs-webgpu's exceed the dispatch limits at ViT-B
 * sizes).
 */
function scatterAddByGathers(dy: tf.Tensor, index: Int32Array, n: number): tf.Tensor {
  const w = dy.shape[1] as number;
  const entry = deviceIndex(index, n);
  entry.occurrences ??= occurrenceIndices(index, n);
  const lists = entry.occurrences;
  return tf.tidy(() => {
    if (lists.length === 0) return tf.zeros([n, w], dy.dtype);
    const padded = tf.concat([dy, tf.zeros([1, w], dy.dtype)], 0);
    const parts = lists.map((rows) => tf.gather(padded, tf.tensor1d(rows, 'int32')));
    return addMany(parts);
  });
}

/** Throws unless every entry of `index` is −1 or a row of an n-row matrix. */
export function checkRowIndex(index: Int32Array, n: number, what = 'takeRows'): void {
  for (let k = 0; k < index.length; k++) {
    const s = index[k];
    if (!(s >= -1 && s < n)) throw new Error(`${what}: index entry ${k} is ${s}, but the matrix has rows 0..${n - 1} (−1 gives a zero row).`);
  }
}

/**
 * x [n, w] (float32) → [index.length, w]: row k is x's row `index[k]`, or zeros where
 * `index[k]` is −1. The gradient adds each output row's gradient back into its
 * source row. `index` is read, never copied, so it must not change afterwards;
 * entries are not checked here (see {@link checkRowIndex}).
 */
export function takeRows(x: tf.Tensor, index: Int32Array): tf.Tensor2D {
  if (x.rank !== 2) throw new Error(`takeRows expects a [rows, width] matrix, got shape [${x.shape}].`);
  const [n, w] = x.shape as [number, number];
  if (x.dtype !== 'float32') return gatherWithZeroRow(x, index);
  if (!HOST_BACKENDS.has(tf.getBackend())) {
    const device = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const value = gatherWithZeroRow(args[0] as tf.Tensor, index);
      return { value, gradFunc: (dy: tf.Tensor) => scatterAddByGathers(dy, index, n) };
    }) as (input: tf.Tensor) => tf.Tensor2D;
    return device(x);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const value = tf.tensor2d(copyRows(hostMemoryValues(input) as Float32Array, index, w), [index.length, w]);
    const gradFunc = (dy: tf.Tensor): tf.Tensor => tf.tensor2d(scatterAddRows(hostMemoryValues(dy) as Float32Array, index, w, n), [n, w]);
    return { value, gradFunc };
  }) as (input: tf.Tensor) => tf.Tensor2D;
  return op(x);
}
