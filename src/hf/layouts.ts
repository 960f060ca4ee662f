/**
 * How one Hugging Face tensor maps to one parameter here (design "weights others
 * can read"): the HF name, this library's dotted name, and the layout change between
 * them. Every change is a transpose or a reshape, so a round trip is exact.
 * PyTorch stores `nn.Linear` weights [out, in] (here [in, out]), `nn.Conv1d` filters
 * [out, in/groups, kernel] (here [kernel, in/groups, out]) and the patch embedding
 * `nn.Conv2d` [D, C, p, p] (here a linear map of patches flattened (row, column, channel)).
 */
import * as tf from '@tensorflow/tfjs';

/** A layout change between an HF tensor and a parameter here. */
export interface Layout {
  /** HF shape for a parameter of shape `ours`. */
  hfShape(ours: readonly number[]): number[];
  toOurs(hf: tf.Tensor, ours: readonly number[]): tf.Tensor;
  toHf(ours: tf.Tensor): tf.Tensor;
}

/** One HF tensor ↔ one parameter here. */
export interface TensorMapping {
  hf: string;
  ours: string;
  layout: Layout;
}

/** Same shape and order. */
export const SAME: Layout = {
  hfShape: (s) => [...s],
  toOurs: (t) => t.clone(),
  toHf: (t) => t.clone(),
};

/** A reversed axis order: `nn.Linear` weights (2-D) and `nn.Conv1d` filters (3-D). */
export const REVERSED: Layout = {
  hfShape: (s) => [...s].reverse(),
  toOurs: (t) => t.transpose(),
  toHf: (t) => t.transpose(),
};

/** The same values with leading unit axes in HF (`[1, 1, D]` tokens, `[1, N, D]` position tables). */
export function withLeadingOnes(count: number): Layout {
  return {
    hfShape: (s) => [...Array<number>(count).fill(1), ...s],
    toOurs: (t, s) => t.reshape([...s]),
    toHf: (t) => t.reshape([...Array<number>(count).fill(1), ...t.shape]),
  };
}

/** The patch embedding: HF `Conv2d` weight [D, C, p, p] ↔ here [p·p·C, D]. */
export function patchConv(patch: number, channels: number): Layout {
  return {
    hfShape: (s) => [s[1], channels, patch, patch],
    toOurs: (t, s) => t.transpose([2, 3, 1, 0]).reshape([...s]),
    toHf: (t) => t.reshape([patch, patch, channels, t.shape[1] as number]).transpose([3, 2, 0, 1]),
  };
}

/** Weight (with `layout`) and bias of a linear or conv layer. */
export function weightAndBias(hf: string, ours: string, layout: Layout = REVERSED, bias = true): TensorMapping[] {
  const out: TensorMapping[] = [{ hf: `${hf}.weight`, ours: `${ours}.weight`, layout }];
  if (bias) out.push({ hf: `${hf}.bias`, ours: `${ours}.bias`, layout: SAME });
  return out;
}

/** Weight and bias of a LayerNorm. */
export function norm(hf: string, ours: string): TensorMapping[] {
  return weightAndBias(hf, ours, SAME);
}
