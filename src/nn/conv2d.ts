/**
 * Grouped 2-D convolution, stride 1, "same" zero padding (spec §5.3: the v2 image
 * decoder's `nn.Conv2d(groups=16, padding=k//2)` followed by `SamePad2d`), written
 * with 2-D matMuls only, so that the filter trains on the wasm backend (no conv
 * filter gradient there) and runs at its matMul speed (its `slice` and `gather`
 * copy an order of magnitude slower than a matMul of the same size; measured).
 *
 * With the grid flattened to T = H·W positions and the input laid out [T, B·C]:
 * 1. frames: one fixed 0/1 shift matrix S [kh·kw·T, T] (row (tap, t) picks the
 *    neighbour of t at that tap, or nothing outside the grid) times the input gives
 *    every tap of every position, [kh·kw, T·B, C] → [T·B, kh·kw·C] (tap-major);
 * 2. filter: frames × the [kh·kw·C, Cout] matrix of the grouped filter — block
 *    diagonal (`blockDiagonalFilter`, zeros between groups) when groups are narrow,
 *    else one product per group (see {@link CONV2D_GROUP_LOOP_MIN_WIDTH}).
 * S costs kh·kw·T² per sample and channel, which suits the small patch grids here
 * (7×7, 14×14). Even kernels pad ⌊k/2⌋ before and ⌈k/2⌉ − 1 after (PyTorch's
 * padding k//2 followed by `SamePad2d` dropping the last row and column).
 *
 * Weight layout [kh, kw, C/G, Cout] (TensorFlow's HWIO with grouped inputs; PyTorch
 * stores [Cout, C/G, kh, kw]). Init as PyTorch's `Conv2d.reset_parameters`:
 * U(±1/√fan_in) for weight and bias, fan_in = C/G·kh·kw.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Init, initTensor } from './init';
import { Rng } from '../util/rng';
import { matMul } from './matmul';
import { blockDiagonalFilter } from './conv1d';

/** Per-group output width from which one product per group beats one block-diagonal product (as for the 1-D conv). */
export const CONV2D_GROUP_LOOP_MIN_WIDTH = 32;

/** Options of {@link GroupedConv2d}. */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  /** Kernel size: k for k×k, or [kh, kw]. */
  kernel: number | [number, number];
  /** Channel groups; in and out channels must divide by it (default 1). */
  groups?: number;
  /** Learn a bias (default true). */
  bias?: boolean;
  /** Weight initialiser (default PyTorch's U(±1/√fan_in)). */
  init?: Init;
}

/**
 * The shift matrix [kh·kw·H·W, H·W]: entry ((u·kw + v)·H·W + i·W + j, i'·W + j') is 1
 * when (i', j') = (i + u − ⌊kh/2⌋, j + v − ⌊kw/2⌋) lies inside the grid.
 */
export function conv2dShiftMatrix(h: number, w: number, kh: number, kw: number): Float32Array {
  const t = h * w;
  const out = new Float32Array(kh * kw * t * t);
  const ph = Math.floor(kh / 2);
  const pw = Math.floor(kw / 2);
  for (let u = 0; u < kh; u++) {
    for (let v = 0; v < kw; v++) {
      for (let i = 0; i < h; i++) {
        const ii = i + u - ph;
        if (ii < 0 || ii >= h) continue;
        for (let j = 0; j < w; j++) {
          const jj = j + v - pw;
          if (jj < 0 || jj >= w) continue;
          out[((u * kw + v) * t + i * w + j) * t + ii * w + jj] = 1;
        }
      }
    }
  }
  return out;
}

/** s·x for a constant s (given with its transpose): the gradient goes to x only (sᵀ·dy). */
function constantLeftMatMul(s: tf.Tensor2D, sT: tf.Tensor2D, x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    return { value: matMul(s, input), gradFunc: (dy: tf.Tensor) => matMul(sT, dy) };
  }) as (input: tf.Tensor) => tf.Tensor;
  return op(x);
}

export class GroupedConv2d extends Module {
  readonly kernel: [number, number];
  readonly groups: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  private readonly shiftCache = new Map<string, { s: tf.Tensor2D; sT: tf.Tensor2D }>();

  constructor(readonly options: Conv2dOptions, rng: Rng) {
    super();
    const { inChannels, outChannels } = options;
    this.kernel = typeof options.kernel === 'number' ? [options.kernel, options.kernel] : options.kernel;
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(`conv channels ${inChannels} → ${outChannels} are not divisible by groups=${this.groups}; choose a group count that divides both.`);
    }
    const [kh, kw] = this.kernel;
    const fanIn = (inChannels / this.groups) * kh * kw;
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = this.addParam('weight', initTensor([kh, kw, inChannels / this.groups, outChannels], options.init ?? { kind: 'uniform', lo: -bound, hi: bound }, rng));
    this.bias = options.bias === false ? undefined : this.addParam('bias', initTensor([outChannels], { kind: 'uniform', lo: -bound, hi: bound }, rng));
  }

  private shift(h: number, w: number): { s: tf.Tensor2D; sT: tf.Tensor2D } {
    const key = `${h}x${w}`;
    let cached = this.shiftCache.get(key);
    if (!cached) {
      const [kh, kw] = this.kernel;
      const s = tf.keep(tf.tensor2d(conv2dShiftMatrix(h, w, kh, kw), [kh * kw * h * w, h * w]));
      cached = { s, sT: tf.keep(tf.transpose(s)) };
      this.shiftCache.set(key, cached);
    }
    return cached;
  }

  /** x [B, H, W, inChannels] → [B, H, W, outChannels]. */
  forward(x: tf.Tensor): tf.Tensor {
    const { inChannels, outChannels } = this.options;
    if (x.rank !== 4 || x.shape[3] !== inChannels) throw new Error(`conv2d expects [B, H, W, ${inChannels}] input, got [${x.shape}].`);
    const [b, h, w] = x.shape as number[];
    const t = h * w;
    const taps = this.kernel[0] * this.kernel[1];
    const g = this.groups;
    const { s, sT } = this.shift(h, w);
    return tf.tidy(() => {
      const grid = x.reshape([b, t, inChannels]).transpose([1, 0, 2]).reshape([t, b * inChannels]);
      const frames = constantLeftMatMul(s, sT, grid).reshape([taps, t * b, inChannels]).transpose([1, 0, 2]); // [T·B, taps, C]
      const filter = this.weight.reshape([taps, inChannels / g, outChannels]);
      let y: tf.Tensor;
      const og = outChannels / g;
      if (g === 1 || og < CONV2D_GROUP_LOOP_MIN_WIDTH) {
        y = matMul(frames.reshape([t * b, taps * inChannels]), blockDiagonalFilter(filter, g));
      } else {
        const cg = inChannels / g;
        const byGroup = frames.reshape([t * b, taps, g, cg]);
        const outs: tf.Tensor[] = [];
        for (let k = 0; k < g; k++) {
          const xk = byGroup.slice([0, 0, k, 0], [t * b, taps, 1, cg]).reshape([t * b, taps * cg]);
          outs.push(matMul(xk, filter.slice([0, 0, k * og], [taps, cg, og]).reshape([taps * cg, og])));
        }
        y = tf.concat(outs, 1);
      }
      y = y.reshape([t, b, outChannels]).transpose([1, 0, 2]).reshape([b, h, w, outChannels]);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  override dispose(): void {
    this.shiftCache.forEach((c) => tf.dispose([c.s, c.sT]));
    this.shiftCache.clear();
    super.dispose();
  }
}
