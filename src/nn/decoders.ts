/**
 * The data2vec 2.0 convolutional decoders' shared parts (spec §5.3; fairseq
 * `modalities/modules.py`: `D2vDecoderConfig`, `DecoderBase.add_residual`): the
 * config, the block stack — conv → parameter-free layer norm over channels → GELU,
 * then the block input added back after the GELU when the residual is on and the
 * channel counts match (so the first block has none when the input width differs) —
 * and the final projection back to the model width (one Linear, or Linear(d, 2d) →
 * GELU → Linear(2d, D) for text's `projection_layers: 2`).
 * `Decoder2d` (`decoder-2d.ts`) and `Decoder1d` (`decoder-1d.ts`) differ only in
 * the convolution and in how the sequence is laid out for it.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { layerNorm } from './layer-norm';
import { gelu } from './activations';
import { RegressionHead } from './regression-head';
import { Rng } from '../util/rng';

/** `D2vDecoderConfig` fields that shape a conv decoder. */
export interface ConvDecoderConfig {
  /** Channels of every block (`decoder_dim`). */
  dim: number;
  /** Kernel size (`decoder_kernel`): k×k for 2-D, k for 1-D. */
  kernel: number;
  /** Number of blocks (`decoder_layers`). */
  layers: number;
  /** Conv groups (`decoder_groups`). */
  groups: number;
  /** Add each block's input after its GELU when widths match (`decoder_residual`). */
  residual: boolean;
  /** 1: Linear(dim, D); 2: Linear(dim, 2·dim) → GELU → Linear(2·dim, D) (`projection_layers`). */
  projectionLayers: 1 | 2;
}

/** What the data2vec 2.0 model needs from a decoder: full-length [R, T, D] in, [R, T, D] out. */
export interface V2Decoder extends Module {
  /**
   * x [R, ...positions, D] → predictions of the same shape. `keep` (optional, [R,
   * ...positions], 1 at real tokens and 0 at padding) zeroes the padding before every
   * convolution, so that padded rows decode as the unpadded sequence would.
   */
  forward(x: tf.Tensor, keep?: tf.Tensor): tf.Tensor;
}

/** A channels-last convolution that keeps the spatial size: [..., C] → [..., dim]. */
export interface SameConv extends Module {
  forward(x: tf.Tensor): tf.Tensor;
}

/** Throws a one-sentence error for an impossible decoder config. */
export function validateDecoderConfig(c: ConvDecoderConfig, inputDim: number, field = 'decoder'): void {
  for (const key of ['dim', 'kernel', 'layers', 'groups'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`${field}.${key} is ${c[key]}; it must be a positive integer.`);
  }
  if (c.dim % c.groups !== 0 || inputDim % c.groups !== 0) {
    throw new Error(`${field}.groups=${c.groups} must divide both the decoder width ${c.dim} and the model width ${inputDim}.`);
  }
  if (c.projectionLayers !== 1 && c.projectionLayers !== 2) throw new Error(`${field}.projectionLayers is ${c.projectionLayers}; use 1 or 2.`);
}

/**
 * Blocks + projection over channels-last tensors. Subclasses build the convs
 * (`blocks.<i>.0`, after fairseq's `nn.Sequential` naming) and lay the input out.
 */
export abstract class ConvDecoderBase<C extends SameConv = SameConv> extends Module implements V2Decoder {
  readonly convs: C[] = [];
  readonly proj: RegressionHead;

  constructor(readonly config: ConvDecoderConfig, readonly inputDim: number, makeConv: (inChannels: number, rng: Rng) => C, rng: Rng) {
    super();
    validateDecoderConfig(config, inputDim);
    for (let i = 0; i < config.layers; i++) {
      this.convs.push(this.addChild(`blocks.${i}.0`, makeConv(i === 0 ? inputDim : config.dim, rng)));
    }
    this.proj = this.addChild('proj', new RegressionHead(config.dim, config.projectionLayers, rng, inputDim));
  }

  /**
   * Runs the blocks (residual after the GELU when widths match) and the projection on
   * channels-last x; with `keep` (x's shape without channels, 0 at padding), every
   * convolution sees zeros at padded positions, as zero padding past the sequence end.
   */
  protected decode(x: tf.Tensor, keep?: tf.Tensor): tf.Tensor {
    const keepChannels = keep?.expandDims(-1);
    const masked = (v: tf.Tensor) => (keepChannels ? tf.mul(v, keepChannels) : v);
    let residual = x;
    for (const conv of this.convs) {
      let y = gelu(layerNorm(conv.forward(masked(residual)), 1e-5));
      const last = residual.shape[residual.rank - 1];
      if (this.config.residual && last === this.config.dim) y = tf.add(y, residual);
      residual = y;
    }
    return this.proj.forward(residual);
  }

  /** x [R, T, D] in original token order → predictions [R, T, D]. */
  abstract forward(x: tf.Tensor, keep?: tf.Tensor): tf.Tensor;
}
