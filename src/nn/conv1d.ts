/**
 * 1-D convolution with stride, padding, optional bias and groups, written as
 * frames (im2col, `conv-frames.ts`) + 2-D matMul so that it trains on every
 * backend (spec §1.2: the wav2vec 2.0 feature CNN, kernels 10/3/2 with strides
 * 5/2, no bias; the positional encoder, kernel 19, groups 16, with bias;
 * platform facts: tfjs `conv1d` has no groups and no filter gradient on wasm).
 *
 * Layout: sequences are channels-last [B, L, C]; the filter is
 * [kernel, C_in / groups, C_out] (tfjs `conv1d` order), output channel o reading
 * input channels of group ⌊o / (C_out / groups)⌋, as in PyTorch `nn.Conv1d`.
 * Exporters to PyTorch transpose the filter to [C_out, C_in / groups, kernel].
 *
 * Groups run either as one batched matMul over the groups ([G, B·T, k·C_in/G] ×
 * [G, k·C_in/G, C_out/G]) or as one 2-D matMul against a block-diagonal filter
 * (zeros off the groups: `groups`× the arithmetic). `'auto'` takes the batched
 * product unless the backend is wasm without the SIMD batched kernel
 * (`src/backend/batched-matmul.ts`), whose fallback runs at ~1 GFLOP/s.
 * Measured on wasm with that kernel (k 19, 16 groups, forward + backward):
 * 55 vs 89 ms at [16, 21, 64], 136 vs 800 ms at [8, 50, 256], 0.95 vs 10 s at
 * [2, 250, 768].
 *
 * Padding `'same'` is fairseq's `padding=k//2` followed by `SamePad(k)` (drop the
 * last frame when k is even), i.e. ⌊k/2⌋ zeros before and k − 1 − ⌊k/2⌋ after,
 * for stride 1; odd kernels pad (k − 1)/2 on both sides.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Init, initTensor } from './init';
import { matMul } from './matmul';
import { batchedMatMulActive } from '../backend/batched-matmul';
import { convOutputLength, frames } from './conv-frames';
import { Rng } from '../util/rng';

/** Zeros around the sequence: `'valid'` (none), `'same'` (stride 1), p on both sides, or [before, after]. */
export type Conv1dPadding = 'valid' | 'same' | number | [number, number];

/** How grouped convolutions run (see the file header). */
export type GroupStrategy = 'auto' | 'blockDiagonal' | 'batched';

/** Options of {@link conv1d}. */
export interface Conv1dCallOptions {
  /** Default 1. */
  stride?: number;
  /** Default `'valid'`. */
  padding?: Conv1dPadding;
  /** Default 1. C_in and C_out must both be divisible by it. */
  groups?: number;
  /** Default `'auto'`. */
  groupStrategy?: GroupStrategy;
}

/** [before, after] zeros for a padding spec (see {@link Conv1dPadding}). */
export function resolvePadding(padding: Conv1dPadding, kernel: number, stride: number): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding === 'same') {
    if (stride !== 1) throw new Error(`padding 'same' needs stride 1, got stride ${stride}; give explicit padding instead.`);
    const before = Math.floor(kernel / 2);
    return [before, kernel - 1 - before];
  }
  const pair: [number, number] = typeof padding === 'number' ? [padding, padding] : padding;
  if (!pair.every((p) => Number.isInteger(p) && p >= 0)) throw new Error(`padding must be non-negative integers, got ${JSON.stringify(padding)}.`);
  return pair;
}

/**
 * The dense [k·C_in, C_out] matrix of a grouped filter [k, C_in/g, C_out]: the
 * filter's entries on the diagonal blocks, zeros elsewhere (differentiable).
 */
export function blockDiagonalFilter(filter: tf.Tensor, groups: number): tf.Tensor2D {
  const [k, cinG, cout] = filter.shape as [number, number, number];
  if (groups === 1) return filter.reshape([k * cinG, cout]) as tf.Tensor2D;
  const coutG = cout / groups;
  return tf.tidy(() => {
    const eye = tf.eye(groups).reshape([1, groups, 1, groups, 1]);
    const w = filter.reshape([k, 1, cinG, groups, coutG]);
    return tf.mul(w, eye).reshape([k * groups * cinG, cout]) as tf.Tensor2D;
  });
}

/** Checks shapes and returns [kernel, C_in / groups, C_out]. */
function checkShapes(x: tf.Tensor, filter: tf.Tensor, groups: number): [number, number, number] {
  if (x.rank !== 3) throw new Error(`conv1d expects input [batch, length, channels], got shape [${x.shape}].`);
  if (filter.rank !== 3) throw new Error(`conv1d expects a filter [kernel, in/groups, out], got shape [${filter.shape}].`);
  const [k, cinG, cout] = filter.shape as [number, number, number];
  const cin = x.shape[2] as number;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`groups must be a positive integer, got ${groups}.`);
  if (cin % groups !== 0 || cout % groups !== 0) throw new Error(`groups (${groups}) must divide both the input (${cin}) and output (${cout}) channels.`);
  if (cinG * groups !== cin) {
    throw new Error(`the filter expects ${cinG * groups} input channels (${cinG} per group × ${groups} groups) but the input has ${cin}.`);
  }
  return [k, cinG, cout];
}

/**
 * y[b, t, o] = Σ_j Σ_c x_pad[b, t·s + j, c] · filter[j, c − g·C_in/G, o] over the
 * channels c of o's group g. x [B, L, C_in], filter [k, C_in/G, C_out] → [B, T, C_out].
 */
export function conv1d(x: tf.Tensor, filter: tf.Tensor, options: Conv1dCallOptions = {}): tf.Tensor3D {
  const stride = options.stride ?? 1;
  const groups = options.groups ?? 1;
  const [k, cinG, cout] = checkShapes(x, filter, groups);
  const [before, after] = resolvePadding(options.padding ?? 'valid', k, stride);
  return tf.tidy(() => {
    const padded = before + after > 0 ? tf.pad(x, [[0, 0], [before, after], [0, 0]]) : x;
    const cols = frames(padded, k, stride);
    const [b, t] = cols.shape;
    const strategy = options.groupStrategy ?? 'auto';
    const batched = groups > 1 && (strategy === 'batched' || (strategy === 'auto' && (tf.getBackend() !== 'wasm' || batchedMatMulActive())));
    if (!batched) {
      const y = matMul(cols.reshape([b * t, k * cinG * groups]), blockDiagonalFilter(filter, groups));
      return y.reshape([b, t, cout]) as tf.Tensor3D;
    }
    // [B·T, k, G, C_in/G] → [G, B·T, k·C_in/G] against [G, k·C_in/G, C_out/G]: one batched product for all groups.
    const coutG = cout / groups;
    const xg = cols.reshape([b * t, k, groups, cinG]).transpose([2, 0, 1, 3]).reshape([groups, b * t, k * cinG]);
    const wg = filter.reshape([k, cinG, groups, coutG]).transpose([2, 0, 1, 3]).reshape([groups, k * cinG, coutG]);
    return matMul(xg, wg).transpose([1, 0, 2]).reshape([b, t, cout]) as tf.Tensor3D;
  });
}

/** Options of the {@link Conv1d} module. */
export interface Conv1dOptions extends Conv1dCallOptions {
  /** Learn a per-channel bias (default true, as PyTorch). */
  bias?: boolean;
  /**
   * Filter initialiser; default PyTorch's `Conv1d` default, U(±1/√fan_in) with
   * fan_in = k·C_in/groups (wav2vec's feature CNN uses `{ kind: 'kaimingNormal' }`).
   */
  init?: Init;
  /** Bias initialiser; default PyTorch's U(±1/√fan_in). */
  biasInit?: Init;
}

/** A trainable 1-D convolution: `weight` [k, C_in/groups, C_out], optional `bias` [C_out]. */
export class Conv1d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  readonly stride: number;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    rng: Rng,
    readonly options: Conv1dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(`groups (${this.groups}) must divide both the input (${inChannels}) and output (${outChannels}) channels.`);
    }
    resolvePadding(options.padding ?? 'valid', kernel, this.stride);
    const fanIn = kernel * (inChannels / this.groups);
    const bound = 1 / Math.sqrt(fanIn);
    const torchDefault: Init = { kind: 'uniform', lo: -bound, hi: bound };
    this.weight = this.addParam('weight', initTensor([kernel, inChannels / this.groups, outChannels], options.init ?? torchDefault, rng));
    this.bias = options.bias === false ? undefined : this.addParam('bias', initTensor([outChannels], options.biasInit ?? torchDefault, rng));
  }

  /** Frames out for `length` steps in. */
  outputLength(length: number): number {
    const [before, after] = resolvePadding(this.options.padding ?? 'valid', this.kernel, this.stride);
    return convOutputLength(length, this.kernel, this.stride, before + after);
  }

  /** x [B, L, C_in] → [B, T, C_out]. */
  forward(x: tf.Tensor): tf.Tensor3D {
    const y = conv1d(x, this.weight, this.options);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor3D) : y;
  }
}
