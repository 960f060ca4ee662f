/**
 * Sliding windows ("frames", im2col) of a sequence, the first half of a 1-D
 * convolution written as frames + 2-D matMul (spec §1.2: the wav2vec 2.0 feature
 * CNN and the grouped positional convolutions; platform facts: the wasm backend
 * has no conv filter gradient and no `stridedSlice` gradient).
 *
 * Forward: view the (padded) sequence [B, L, C] as [B, L/s, s·C]; then q = ⌈k/s⌉
 * row-shifted slices of that view hold every tap of every frame, and their
 * concatenation [B, T, q·s·C] has the taps 0..k−1 in its first k·C columns
 * (tap-major, channel-minor).
 *
 * Backward (col2im, written by hand): the gradient of a q-way `concat` is q
 * slices of the frame gradient, and tfjs-wasm's `Slice` copies its whole input
 * on every call, so a kernel of 19 would copy the (19× larger) frame gradient 19
 * times. Instead the frame gradient [B, T, q, s·C] is transposed to
 * [B, q, T, s·C], padded by q rows, flattened and cut by q so that phase p lands
 * p rows later ("skew"), and summed over phases: a fixed handful of ops for any
 * kernel (measured 2× faster for the positional conv's k = 19).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Frames produced by a convolution: ⌊(length + padding − kernel) / stride⌋ + 1
 * (PyTorch `Conv1d`, fairseq `_get_feat_extract_output_lengths`); 0 when the
 * (padded) input is shorter than the kernel.
 */
export function convOutputLength(length: number, kernel: number, stride = 1, padding = 0): number {
  const padded = length + padding;
  return padded < kernel ? 0 : Math.floor((padded - kernel) / stride) + 1;
}

/** Make `x` [B, L, C] exactly `target` steps long: cut the end off or append zeros. */
function fitLength(x: tf.Tensor, target: number): tf.Tensor {
  const [b, l, c] = x.shape as [number, number, number];
  if (target === l) return x;
  return target < l ? x.slice([0, 0, 0], [b, target, c]) : tf.pad(x, [[0, 0], [0, target - l], [0, 0]]);
}

/**
 * x [B, L, C] → [B, T, k·C] with T = ⌊(L − k)/s⌋ + 1: row t holds
 * x[t·s + j, c] at column j·C + c (no padding is added; pad before calling).
 */
export function frames(x: tf.Tensor, kernel: number, stride: number): tf.Tensor3D {
  if (x.rank !== 3) throw new Error(`frames expects a [batch, length, channels] tensor, got shape [${x.shape}].`);
  if (!Number.isInteger(kernel) || kernel < 1) throw new Error(`kernel size must be a positive integer, got ${kernel}.`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`stride must be a positive integer, got ${stride}.`);
  const [b, l, c] = x.shape as [number, number, number];
  const t = convOutputLength(l, kernel, stride);
  if (t < 1) throw new Error(`a sequence of ${l} steps is shorter than the kernel (${kernel}); give at least ${kernel} steps.`);
  const phases = Math.ceil(kernel / stride);
  const rows = t + phases - 1;
  const width = stride * c;

  const tapColumns = kernel * c;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    // Steps past the last tap are cut off or zero-filled; they only reach columns ≥ k·C, which are dropped.
    const view = fitLength(input, rows * stride).reshape([b, rows, width]);
    const parts: tf.Tensor[] = [];
    for (let p = 0; p < phases; p++) parts.push(phases === 1 ? view : view.slice([0, p, 0], [b, t, width]));
    const cols = parts.length === 1 ? parts[0] : tf.concat(parts, 2);
    const value = phases * width === tapColumns ? cols : cols.slice([0, 0, 0], [b, t, tapColumns]);
    const gradFunc = (dy: tf.Tensor): tf.Tensor => {
      const full = phases * width === tapColumns ? dy : tf.pad(dy, [[0, 0], [0, 0], [0, phases * width - tapColumns]]);
      if (phases === 1) return fitLength(full.reshape([b, rows * stride, c]), l);
      // Phase p moved down by p rows ("skew"), then summed over phases.
      const skewed = tf.pad(full.reshape([b, t, phases, width]).transpose([0, 2, 1, 3]), [[0, 0], [0, 0], [0, phases], [0, 0]])
        .reshape([b, phases * (t + phases), width])
        .slice([0, 0, 0], [b, phases * rows, width])
        .reshape([b, phases, rows, width]);
      return fitLength(tf.sum(skewed, 1).reshape([b, rows * stride, c]), l);
    };
    return { value, gradFunc };
  });
  return op(x) as tf.Tensor3D;
}
