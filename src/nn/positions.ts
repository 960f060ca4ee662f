/**
 * Positional encodings (spec §1.3, §1.4): fixed 2-D sin-cos (MAE
 * `get_2d_sincos_pos_embed`, used by v2 images), fixed 1-D sin-cos, and learned
 * absolute positions (RoBERTa-style text).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { initTensor, Init } from './init';
import { Rng } from '../util/rng';

/** MAE `get_1d_sincos_pos_embed_from_grid`: [sin(pos·ω) | cos(pos·ω)], ω_i = 10000^(−i/(D/2)). */
export function sincos1dValues(dim: number, positions: ArrayLike<number>): Float32Array {
  if (dim % 2 !== 0) throw new Error(`sin-cos embedding dim must be even, got ${dim}.`);
  const half = dim / 2;
  const out = new Float32Array(positions.length * dim);
  for (let m = 0; m < positions.length; m++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[m] / Math.pow(10000, i / half);
      out[m * dim + i] = Math.sin(angle);
      out[m * dim + half + i] = Math.cos(angle);
    }
  }
  return out;
}

/**
 * MAE `get_2d_sincos_pos_embed` for a gh×gw grid, row-major: the first D/2 channels
 * encode the column index and the last D/2 the row index (MAE's meshgrid puts w first).
 * Returns [gh·gw, dim].
 */
export function sincos2d(gridH: number, gridW: number, dim: number): tf.Tensor2D {
  if (dim % 4 !== 0) throw new Error(`2-D sin-cos embedding dim must be divisible by 4, got ${dim}.`);
  const n = gridH * gridW;
  const cols = new Float32Array(n);
  const rows = new Float32Array(n);
  for (let i = 0; i < gridH; i++) {
    for (let j = 0; j < gridW; j++) {
      cols[i * gridW + j] = j;
      rows[i * gridW + j] = i;
    }
  }
  const a = sincos1dValues(dim / 2, cols);
  const b = sincos1dValues(dim / 2, rows);
  const out = new Float32Array(n * dim);
  for (let m = 0; m < n; m++) {
    out.set(a.subarray(m * (dim / 2), (m + 1) * (dim / 2)), m * dim);
    out.set(b.subarray(m * (dim / 2), (m + 1) * (dim / 2)), m * dim + dim / 2);
  }
  return tf.tensor2d(out, [n, dim]);
}

/** Learned absolute positions: a [maxLength, dim] table, N(0, 0.02) by default. */
export class LearnedPositions extends Module {
  readonly weight: tf.Variable;

  constructor(readonly maxLength: number, readonly dim: number, rng: Rng, init: Init = { kind: 'normal', std: 0.02 }) {
    super();
    this.weight = this.addParam('weight', initTensor([maxLength, dim], init, rng));
  }

  /** Positions 0..length−1 as [1, length, dim], to add to [B, length, dim]. */
  forward(length: number): tf.Tensor {
    if (length > this.maxLength) throw new Error(`sequence of ${length} positions is longer than the ${this.maxLength} learned positions.`);
    return this.weight.slice([0, 0], [length, this.dim]).expandDims(0);
  }
}
