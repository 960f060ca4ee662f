/**
 * data2vec's convolutional positional encoder for speech (spec §1.2; fairseq
 * `TransformerEncoder.__init__` with `pos_conv_depth > 1`, `make_conv_block`; HF
 * `Data2VecAudioPositionalConvEmbedding`): `depth` layers of grouped Conv1d
 * (kernel k = max(3, width // depth), padding k//2 followed by `SamePad`, bias,
 * PyTorch default init, no weight norm) → LayerNorm without affine → GELU.
 * v1 base: width 95, depth 5 → k = 19, groups 16. The caller adds the output to
 * its input (`x = x + pos_conv(x)`).
 *
 * Parameter names follow HF: `layers.<i>.conv.{weight,bias}`.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { Conv1d } from '../../nn/conv1d';
import { layerNorm } from '../../nn/layer-norm';
import { gelu } from '../../nn/activations';
import { Rng } from '../../util/rng';

/** Options of {@link PositionalConv}; names follow fairseq's config. */
export interface PositionalConvOptions {
  /** `conv_pos`: total width; the kernel is max(3, width // depth). 95 in data2vec. */
  width: number;
  /** `pos_conv_depth`: number of conv layers. 5 in data2vec. */
  depth: number;
  /** `conv_pos_groups`: 16 in data2vec. */
  groups: number;
}

/** Kernel of each positional conv layer: max(3, ⌊width / depth⌋) (19 for 95 / 5). */
export function positionalConvKernel(width: number, depth: number): number {
  return Math.max(3, Math.floor(width / depth));
}

/** One layer: grouped conv ('same' length, fairseq SamePad) → LayerNorm without affine → GELU. */
export class PositionalConvLayer extends Module {
  readonly conv: Conv1d;

  constructor(dim: number, kernel: number, groups: number, rng: Rng) {
    super();
    this.conv = this.addChild('conv', new Conv1d(dim, dim, kernel, rng, { padding: 'same', groups }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return gelu(layerNorm(this.conv.forward(x), 1e-5));
  }
}

/** The stack of positional conv layers: [B, T, D] → [B, T, D] (to be added to the input). */
export class PositionalConv extends Module {
  readonly layers: PositionalConvLayer[] = [];
  readonly kernel: number;

  constructor(readonly dim: number, readonly options: PositionalConvOptions, rng: Rng) {
    super();
    const { width, depth, groups } = options;
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`positional conv depth must be a positive integer, got ${depth}.`);
    if (dim % groups !== 0) throw new Error(`the model width ${dim} is not divisible by the positional conv groups (${groups}); choose a width that is a multiple of ${groups}.`);
    this.kernel = positionalConvKernel(width, depth);
    for (let i = 0; i < depth; i++) this.layers.push(this.addChild(`layers.${i}`, new PositionalConvLayer(dim, this.kernel, groups, rng)));
  }

  forward(x: tf.Tensor): tf.Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }
}
