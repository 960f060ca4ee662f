/**
 * data2vec 2.0 speech and text decoder (spec §5.3; fairseq `Decoder1d`): the
 * full-length sequence [R, T, D] goes through `layers` blocks of grouped 1-D conv
 * (padding k//2 + `SamePad`) → parameter-free layer norm over channels → GELU
 * (+ residual when widths match) and a projection back to D: one Linear for audio
 * (384 → 768 in base), or Linear(d, 2d) → GELU → Linear(2d, D) for text
 * (`projection_layers: 2`, no residual, groups 1, kernel 9).
 *
 * The convolution is the library's channels-last grouped `Conv1d` with
 * `padding: 'same'` unless another is passed in (`makeConv`).
 */
import * as tf from '@tensorflow/tfjs';
import { ConvDecoderBase, ConvDecoderConfig, SameConv } from './decoders';
import { Conv1d } from './conv1d';
import { Rng } from '../util/rng';

/** Makes a channels-last 1-D conv [B, T, inChannels] → [B, T, outChannels] with "same" padding. */
export type SameConv1dFactory<C extends SameConv = SameConv> = (inChannels: number, outChannels: number, kernel: number, groups: number, rng: Rng) => C;

/** `Conv1d` with "same" padding (fairseq `padding=k//2` + `SamePad`). */
export const sameConv1d: SameConv1dFactory<Conv1d> = (inChannels, outChannels, kernel, groups, rng) =>
  new Conv1d(inChannels, outChannels, kernel, rng, { padding: 'same', groups });

export class Decoder1d<C extends SameConv = Conv1d> extends ConvDecoderBase<C> {
  constructor(config: ConvDecoderConfig, inputDim: number, rng: Rng, makeConv: SameConv1dFactory<C> = sameConv1d as unknown as SameConv1dFactory<C>) {
    super(config, inputDim, (inChannels, r) => makeConv(inChannels, config.dim, config.kernel, config.groups, r), rng);
  }

  /** x [R, T, D] → [R, T, D]; `keep` [R, T] (0 at padding) zeroes padding before every conv. */
  forward(x: tf.Tensor, keep?: tf.Tensor): tf.Tensor {
    if (x.rank !== 3) throw new Error(`Decoder1d expects [batch, length, ${this.inputDim}] input, got [${x.shape}].`);
    if (keep && (keep.rank !== 2 || keep.shape[0] !== x.shape[0] || keep.shape[1] !== x.shape[1])) {
      throw new Error(`Decoder1d: keep has shape [${keep.shape}] but the input has ${x.shape[0]} rows of ${x.shape[1]} positions.`);
    }
    return tf.tidy(() => this.decode(x, keep));
  }
}
