/**
 * data2vec 2.0 image decoder (spec §5.3; fairseq `Decoder2d`): the full-length
 * token sequence [R, H·W, D] (row-major patches) is laid out as an H×W grid with D
 * channels, goes through `layers` blocks of grouped k×k conv → parameter-free layer
 * norm over channels → GELU (+ residual), and is projected back to D per patch.
 */
import * as tf from '@tensorflow/tfjs';
import { ConvDecoderBase, ConvDecoderConfig } from './decoders';
import { GroupedConv2d } from './conv2d';
import { Rng } from '../util/rng';

export class Decoder2d extends ConvDecoderBase<GroupedConv2d> {
  constructor(config: ConvDecoderConfig, inputDim: number, readonly grid: [number, number], rng: Rng) {
    super(config, inputDim, (inChannels, r) => new GroupedConv2d({ inChannels, outChannels: config.dim, kernel: config.kernel, groups: config.groups }, r), rng);
  }

  /** x [R, H·W, D] → [R, H·W, D]; `keep` [R, H·W] (0 at padding) zeroes those cells before every conv. */
  forward(x: tf.Tensor, keep?: tf.Tensor): tf.Tensor {
    const [r, t, d] = x.shape;
    const [h, w] = this.grid;
    if (t !== h * w) throw new Error(`Decoder2d on a ${h}x${w} grid got ${t} tokens; pass the full un-shuffled sequence.`);
    if (keep && keep.size !== r * t) throw new Error(`Decoder2d: keep has shape [${keep.shape}] but the input has ${r} rows of ${t} cells.`);
    return tf.tidy(() => this.decode(x.reshape([r, h, w, d]), keep?.reshape([r, h, w])).reshape([r, t, d]));
  }
}
