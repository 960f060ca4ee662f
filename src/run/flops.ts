/**
 * Model FLOPs of an update, counted from the kernels it runs (the throughput figure
 * of `data2vec bench`: achieved TFLOP/s = FLOPs of one update / its time).
 *
 * Convention (as MFU figures: matrix products only, 2 FLOPs per multiply-add):
 * every `BatchMatMul`/`_FusedMatMul`/`D2vHeadMatMul` (2·|out|·K, K the contracted size) and every
 * convolution kernel (`Conv2D`, `Conv2DBackpropInput`, `Conv2DBackpropFilter`,
 * `FusedConv2D`: 2·|out or dy|·kh·kw·C_in; `DepthwiseConv2dNative`: 2·|out|·kh·kw)
 * the update executes: the student's forward and backward passes and the teacher's
 * forward pass, as they actually run (the backward pass computes only the gradients
 * the parameters need). Elementwise work, softmax, norms and the optimizer are not
 * counted; in a transformer they are a few percent of the total.
 */
import * as tf from '@tensorflow/tfjs';

const size = (shape: readonly number[] | null | undefined) => (shape ?? []).reduce((p, d) => p * d, 1);

/** FLOPs of one kernel call from its name and its input and output shapes (0 for kernels not counted). */
export function kernelFlops(name: string, inputShapes: readonly (readonly number[] | null)[], outputShapes: readonly (readonly number[] | null)[]): number {
  const out = outputShapes[0];
  if (!out) return 0;
  switch (name) {
    case 'BatchMatMul':
    case '_FusedMatMul': {
      // a is [..., M, K] or [..., K, M]; out is [..., M, N]: K = (a's last two dims) / M.
      const a = inputShapes[0];
      if (!a || a.length < 2 || out.length < 2) return 0;
      const m = out[out.length - 2];
      const k = (a[a.length - 1] * a[a.length - 2]) / m;
      return 2 * size(out) * k;
    }
    case 'D2vHeadMatMul': {
      // attention's per-head products (src/backend/head-matmul.ts). Out [B, m, heads·n] (b token-major,
      // its rows the contracted axis) or [B, heads, m, n] (a holds B·heads·m·K values in every layout).
      const a = inputShapes[0];
      const b = inputShapes[1];
      if (!a || !b) return 0;
      const k = out.length === 3 ? b[1] : size(a) / (out[0] * out[1] * out[2]);
      return 2 * size(out) * k;
    }
    case 'Conv2D':
    case 'FusedConv2D': {
      const filter = inputShapes[1];
      return filter ? 2 * size(out) * filter[0] * filter[1] * filter[2] : 0;
    }
    case 'Conv2DBackpropInput':
    case 'Conv2DBackpropFilter': {
      // inputs (dy, filter) or (x, dy); the work is that of the forward convolution: 2·|dy|·kh·kw·C_in.
      const filterShape = name === 'Conv2DBackpropFilter' ? out : inputShapes[1];
      const dy = name === 'Conv2DBackpropFilter' ? inputShapes[1] : inputShapes[0];
      return filterShape && dy ? 2 * size(dy) * filterShape[0] * filterShape[1] * filterShape[2] : 0;
    }
    case 'DepthwiseConv2dNative': {
      const filter = inputShapes[1];
      return filter ? 2 * size(out) * filter[0] * filter[1] : 0;
    }
    default:
      return 0;
  }
}

/** What {@link countFlops} measured. */
export interface FlopCount {
  /** Total FLOPs (see the file header for what counts). */
  flops: number;
  /** FLOPs per kernel name. */
  byKernel: Record<string, number>;
  /** What `run` returned. */
  result: unknown;
}

/** Run `run` once under `tf.profile` and count the FLOPs of the kernels it executed. */
export async function countFlops(run: () => unknown | Promise<unknown>): Promise<FlopCount> {
  let result: unknown;
  const info = await tf.profile(async () => {
    result = await run();
    return [];
  });
  const byKernel: Record<string, number> = {};
  let flops = 0;
  for (const k of info.kernels) {
    const f = kernelFlops(k.name, k.inputShapes as (number[] | null)[], k.outputShapes as (number[] | null)[]);
    if (f > 0) {
      byKernel[k.name] = (byKernel[k.name] ?? 0) + f;
      flops += f;
    }
  }
  return { flops, byKernel, result };
}
