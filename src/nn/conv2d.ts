/**
 * Grouped 2-D convolution, stride 1, "same" zero padding (spec §5.3: the v2 image
 * decoder's `nn.Conv2d(groups=16, padding=k//2)` followed by `SamePad2d`), written
 * as row copies + one batched matMul over the groups, so that the filter trains on
 * the wasm backend (no conv filter gradient there) and runs at matMul speed.
 *
 * Banded ("row-Toeplitz") form. With G groups of cg input and og output channels,
 * an H×W grid and a kh×kw kernel, per group g:
 *   y_g[(b, i), (j, o)] = Σ_{u, j', c} X_g[(b, i), (u, j', c)] · K_g[(u, j', c), (j, o)]
 * - X_g row (b, i) holds the kh input rows i + u − ⌊kh/2⌋ of image b (every column,
 *   the group's channels; zeros outside the grid): [G, B·H, kh·W·cg], one
 *   `takeRows` from x (kh× the input, where full frames would be kh·kw×);
 * - K_g is the filter as a banded [kh·W·cg, W·og] matrix, K_g[(u, j', c), (j, o)] =
 *   w[u, j' − j + ⌊kw/2⌋, c, g·og + o] inside the band and 0 outside: one `takeRows`
 *   from the weight, whose gradient sums the band back into the kh·kw taps;
 * - y = X·K as one [G]-batched product (W/kw× the conv's multiply-adds, in shapes
 *   the SIMD kernel runs fast), then [G, B, H, W, og] → [B, H, W, G·og].
 * Measured on wasm (256 images, 7×7 grid, 64 → 64 channels, 8 groups, k 3; CPU ms
 * forward + backward): this form 62, the previous fixed-shift-matrix form (frames by
 * a [kh·kw·T, T] 0/1 matMul, then a block-diagonal filter) 271.
 * The same form runs on WebGPU (its row copies are `tf.gather`s there): tfjs-webgpu's
 * grouped-as-dense `Conv2D` and its `Conv2DBackpropFilter` are naive kernels
 * (platform facts, "GPU through WebGPU"). Only the native `tensorflow` backend,
 * whose convolutions are cuDNN/oneDNN, runs `tf.conv2d` with the block-diagonal
 * dense filter instead.
 * Even kernels pad ⌊k/2⌋ before and ⌈k/2⌉ − 1 after (PyTorch's padding k//2
 * followed by `SamePad2d` dropping the last row and column).
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
import { takeRows } from './take-rows';

/** Backends on which {@link GroupedConv2d} calls `tf.conv2d` (fast native convolutions) rather than the banded form. */
export const DENSE_CONV_BACKENDS: ReadonlySet<string> = new Set(['tensorflow', 'webgl']);

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

/** Row indices of the banded form (see the file header) for one input shape. */
export interface Conv2dBands {
  /** [G·B·H·kh·W] rows of the [B·H·W·G, cg] view of x (−1 outside the grid). */
  inputRows: Int32Array;
  /** [G·kh·W·cg·W] rows of the [kh·kw·cg·G, og] view of the weight (−1 outside the band). */
  filterRows: Int32Array;
}

/**
 * The gather indices of the banded form for a batch of `b` grids of h×w, kernel
 * kh×kw and `groups` groups of `cg` input channels each.
 */
export function conv2dBands(b: number, h: number, w: number, kh: number, kw: number, groups: number, cg: number): Conv2dBands {
  const ph = Math.floor(kh / 2);
  const pw = Math.floor(kw / 2);
  const inputRows = new Int32Array(groups * b * h * kh * w);
  let k = 0;
  for (let g = 0; g < groups; g++) {
    for (let n = 0; n < b; n++) {
      for (let i = 0; i < h; i++) {
        for (let u = 0; u < kh; u++) {
          const ii = i + u - ph;
          for (let j = 0; j < w; j++) inputRows[k++] = ii < 0 || ii >= h ? -1 : ((n * h + ii) * w + j) * groups + g;
        }
      }
    }
  }
  const filterRows = new Int32Array(groups * kh * w * cg * w);
  k = 0;
  for (let g = 0; g < groups; g++) {
    for (let u = 0; u < kh; u++) {
      for (let jIn = 0; jIn < w; jIn++) {
        for (let c = 0; c < cg; c++) {
          for (let j = 0; j < w; j++) {
            const v = jIn - j + pw;
            filterRows[k++] = v < 0 || v >= kw ? -1 : ((u * kw + v) * cg + c) * groups + g;
          }
        }
      }
    }
  }
  return { inputRows, filterRows };
}

export class GroupedConv2d extends Module {
  readonly kernel: [number, number];
  readonly groups: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  private readonly bandCache = new Map<string, Conv2dBands>();

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

  private bands(b: number, h: number, w: number): Conv2dBands {
    const key = `${b}x${h}x${w}`;
    let cached = this.bandCache.get(key);
    if (!cached) {
      cached = conv2dBands(b, h, w, this.kernel[0], this.kernel[1], this.groups, this.options.inChannels / this.groups);
      if (this.bandCache.size >= 4) this.bandCache.clear();
      this.bandCache.set(key, cached);
    }
    return cached;
  }

  /** x [B, H, W, inChannels] → [B, H, W, outChannels]. */
  forward(x: tf.Tensor): tf.Tensor {
    const { inChannels } = this.options;
    if (x.rank !== 4 || x.shape[3] !== inChannels) throw new Error(`conv2d expects [B, H, W, ${inChannels}] input, got [${x.shape}].`);
    const [b, h, w] = x.shape as number[];
    return tf.tidy(() => {
      const y = DENSE_CONV_BACKENDS.has(tf.getBackend()) ? this.dense(x) : this.banded(x, b, h, w);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  /** The banded form (file header): row copies and one batched matMul. */
  private banded(x: tf.Tensor, b: number, h: number, w: number): tf.Tensor {
    const { inChannels, outChannels } = this.options;
    const [kh, kw] = this.kernel;
    const g = this.groups;
    const cg = inChannels / g;
    const og = outChannels / g;
    const { inputRows, filterRows } = this.bands(b, h, w);
    const rows = takeRows(x.reshape([b * h * w * g, cg]), inputRows).reshape([g, b * h, kh * w * cg]);
    const band = takeRows(this.weight.reshape([kh * kw * cg * g, og]), filterRows).reshape([g, kh * w * cg, w * og]);
    // [G, B·H, W·og] = [G, B·H·W, og] → [B·H·W, G, og] (a rank-3 transpose: tfjs-wasm's rank-5 one is ~30× slower)
    return matMul(rows, band).reshape([g, b * h * w, og]).transpose([1, 0, 2]).reshape([b, h, w, outChannels]);
  }

  /** `tf.conv2d` with explicit "same" padding and the block-diagonal dense filter. */
  private dense(x: tf.Tensor): tf.Tensor {
    const { inChannels, outChannels } = this.options;
    const [kh, kw] = this.kernel;
    const filter = blockDiagonalFilter(this.weight.reshape([kh * kw, inChannels / this.groups, outChannels]), this.groups).reshape([kh, kw, inChannels, outChannels]);
    const [ph, pw] = [Math.floor(kh / 2), Math.floor(kw / 2)];
    const padded = tf.pad(x, [[0, 0], [ph, kh - 1 - ph], [pw, kw - 1 - pw], [0, 0]]);
    return tf.conv2d(padded as tf.Tensor4D, filter as tf.Tensor4D, 1, 'valid');
  }

  override dispose(): void {
    this.bandCache.clear();
    super.dispose();
  }
}
