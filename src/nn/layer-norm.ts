/**
 * Layer normalisation over the last axis, with or without an affine transform
 * (spec §1; parameter-free layer norm is used for data2vec targets, §3.2, and in the
 * v2 decoders and audio positional encoder, §1.2, §5.3). On wasm it runs as one
 * fused kernel forward and one backward (`src/backend/row-kernels.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { rowKernelsActive, runRowKernel } from '../backend/row-kernels';

/** (x − mean) / sqrt(var + eps) over the last axis, then ·weight + bias when given, from tfjs ops. */
function composedLayerNorm(x: tf.Tensor, eps: number, weight?: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
    return weight && bias ? tf.add(tf.mul(y, weight), bias) : y;
  });
}

/** The same in the fused wasm kernels, with their gradient. */
function fusedLayerNorm(x: tf.Tensor, eps: number, weight?: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  if (weight && bias) {
    return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xs, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const [y, stats] = runRowKernel('D2vLayerNorm', { x: xs, gamma: w, beta: b }, { eps });
      save([xs, stats, w]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, sstats, sw] = saved;
          return runRowKernel('D2vLayerNormGrad', { x: sx, stats: sstats, dy, gamma: sw });
        },
      };
    })(x, weight, bias) as tf.Tensor;
  }
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [y, stats] = runRowKernel('D2vLayerNorm', { x: xs }, { eps });
    save([xs, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runRowKernel('D2vLayerNormGrad', { x: saved[0], stats: saved[1], dy }),
    };
  })(x) as tf.Tensor;
}

/** Whether `x` (and the parameters) can go through the fused kernels here. */
function fusable(x: tf.Tensor, weight?: tf.Tensor): boolean {
  return x.dtype === 'float32' && x.rank >= 1 && (weight === undefined || weight.dtype === 'float32') && rowKernelsActive();
}

/** Parameter-free layer norm over the last axis: (x − mean) / sqrt(var + eps). */
export function layerNorm(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  return fusable(x) ? fusedLayerNorm(x, eps) : composedLayerNorm(x, eps);
}

/** Layer norm over the last axis with a scale and shift: layerNorm(x)·weight + bias (broadcast as `tf.mul`/`tf.add`). */
export function affineLayerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  const cols = x.shape[x.rank - 1];
  const perColumn = weight.rank === 1 && bias.rank === 1 && weight.shape[0] === cols && bias.shape[0] === cols && bias.dtype === 'float32';
  return perColumn && fusable(x, weight) ? fusedLayerNorm(x, eps, weight, bias) : composedLayerNorm(x, eps, weight, bias);
}

export interface LayerNormOptions {
  /** Learn a scale and shift (`weight`, `bias`); default true. */
  affine?: boolean;
  eps?: number;
}

export class LayerNorm extends Module {
  readonly eps: number;
  readonly weight: tf.Variable | undefined;
  readonly bias: tf.Variable | undefined;

  constructor(readonly dim: number, options: LayerNormOptions = {}) {
    super();
    this.eps = options.eps ?? 1e-5;
    if (options.affine ?? true) {
      this.weight = this.addParam('weight', tf.ones([dim]));
      this.bias = this.addParam('bias', tf.zeros([dim]));
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.weight || !this.bias) return layerNorm(x, this.eps);
    return affineLayerNorm(x, this.weight, this.bias, this.eps);
  }
}
