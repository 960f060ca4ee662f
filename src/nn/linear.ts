/**
 * Fully connected layer (spec §1). The weight is stored `[in, out]` (input-major,
 * the transpose of PyTorch's `[out, in]`; exporters transpose). Inputs of any rank
 * are flattened to 2-D first: a rank-3 × rank-2 `matMul` has no gradient for the
 * weight in tfjs 4.22. On wasm the bias add and its gradient (a column sum) are
 * fused kernels (`src/backend/row-kernels.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Init, initTensor } from './init';
import { Rng } from '../util/rng';
import { matMul } from './matmul';
import { rowKernelsActive, runRowKernel } from '../backend/row-kernels';

/** x + bias over the last axis in the fused wasm kernels; the bias gradient sums dy over rows. */
const fusedBiasAdd = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, bias] = args as [tf.Tensor, tf.Tensor];
  return {
    value: runRowKernel('D2vBiasAdd', { x, bias })[0],
    gradFunc: (dy: tf.Tensor) => [dy.clone(), runRowKernel('D2vColumnSum', { x: dy })[0]],
  };
}) as (x: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

/** x [..., n] + bias [n] (any other shapes broadcast as `tf.add`). */
export function addBias(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const perColumn = bias.rank === 1 && x.rank >= 1 && bias.shape[0] === x.shape[x.rank - 1];
  if (x.dtype === 'float32' && bias.dtype === 'float32' && perColumn && rowKernelsActive()) return fusedBiasAdd(x, bias);
  return tf.add(x, bias);
}

export interface LinearOptions {
  bias?: boolean;
  /** Weight initialiser; default truncated normal std 0.02 (BEiT / BERT style). */
  init?: Init;
  /** Bias initialiser; default zeros. */
  biasInit?: Init;
}

export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    options: LinearOptions = {},
  ) {
    super();
    this.weight = this.addParam('weight', initTensor([inFeatures, outFeatures], options.init ?? { kind: 'truncNormal', std: 0.02 }, rng));
    this.bias = options.bias === false ? undefined : this.addParam('bias', initTensor([outFeatures], options.biasInit ?? { kind: 'zeros' }, rng));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    const flat = x.reshape([-1, this.inFeatures]) as tf.Tensor2D;
    let y: tf.Tensor = matMul(flat, this.weight);
    if (this.bias) y = addBias(y, this.bias);
    return y.reshape([...lead, this.outFeatures]);
  }
}
