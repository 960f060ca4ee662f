/**
 * The data2vec 2.0 network the EMA teacher copies (spec §1, §2.5, §4.2; fairseq
 * `Data2VecMultiModel` minus the decoder): a modality encoder — local features
 * (patch embedding, feature CNN, token embedding), positions, dropping of masked
 * tokens, extra tokens (CLS) and the context encoder — followed by the main post-LN
 * blocks, which alone provide targets (trap 20).
 *
 * A modality plugs in by implementing {@link V2ModalityEncoder}:
 * - images: patch embedding; `contextualize` adds fixed 2-D sin-cos, gathers the kept
 *   patches of every clone in one gather, prepends CLS, runs LN + prenet blocks;
 * - audio: CNN + LN + Linear; `contextualize` clones the frames (`repeatInterleave`),
 *   zeroes masked frames, runs the conv
 *   positional encoder over the full sequence, gathers kept frames and positions,
 *   gathers the ALiBi bias for kept positions (returned as `bias`), runs LN;
 * - text: token + position embeddings + LN + dropout; `contextualize` gathers.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { TransformerEncoder } from '../nn/transformer-encoder';
import { BlockOutput } from '../nn/transformer-block';
import { EncoderInputs, EncoderResult, MaskedEncoder } from './encoder-contract';
import { MaskInfo } from './v2-mask-info';
import { V2BlockConfig, v2Blocks } from './v2-context-encoder';
import { Rng } from '../util/rng';

/** What `contextualize` hands to the main blocks. */
export interface ContextOutput {
  /** [R, E + K, D]: E extra tokens first, then the K kept tokens (all T without a mask). */
  x: tf.Tensor;
  /** [R, E + K], 1 at padding (extra tokens never padding). */
  padMask?: tf.Tensor;
  /** Additive attention bias for the main blocks (ALiBi, already gathered for kept tokens). */
  bias?: tf.Tensor;
}

/** What the v2 model needs from a modality (fairseq `ModalitySpecificEncoder`). */
export interface V2ModalityEncoder extends Module {
  /** Model width D. */
  readonly dim: number;
  /** Extra tokens prepended after masking (images: 1 CLS; audio, text: 0). */
  readonly numExtraTokens: number;
  /** Raw input [B, ...] → local features [B, T, D] (before any position information). */
  localFeatures(input: tf.Tensor): tf.Tensor;
  /**
   * Local features [B, T, D] → the context encoder's output. Without a mask: B rows of
   * all T tokens. With a mask of R = B·M rows: each sample cloned M times
   * (`repeat_interleave`, e.g. via `mask.sourceKeepIndex`) and only the `mask.lenKeep`
   * kept tokens of each clone go on, position information added first.
   */
  contextualize(local: tf.Tensor, inputs?: { mask?: MaskInfo; padMask?: tf.Tensor }): ContextOutput;
}

/** Main-block results with extra tokens split off. */
export interface V2EncoderResult extends EncoderResult {
  /** [R, E + K, D]: the last block's output with extra tokens, for the decoder input. */
  full: tf.Tensor;
}

/** Drops the first `e` tokens: [R, N, D] → [R, N − e, D]. */
export function dropExtraTokens(x: tf.Tensor, e: number): tf.Tensor {
  if (e === 0) return x;
  const [r, n, ...rest] = x.shape;
  return x.slice([0, e, ...rest.map(() => 0)], [r, n - e, ...rest]);
}

export class V2Backbone<E extends V2ModalityEncoder> extends Module implements MaskedEncoder {
  readonly dim: number;
  readonly depth: number;
  readonly modality: E;
  readonly blocks: TransformerEncoder;

  constructor(modality: E, blockConfig: V2BlockConfig, depth: number, rng: Rng) {
    super();
    this.modality = this.addChild('modality_encoder', modality);
    this.blocks = this.addChild('blocks', v2Blocks(depth, blockConfig, rng));
    this.dim = modality.dim;
    this.depth = depth;
  }

  /** Main blocks over a context output; CLS (the last extra token, fairseq `x[:, E−1]`) split off. */
  run(ctx: ContextOutput): V2EncoderResult {
    const e = this.modality.numExtraTokens;
    const enc = this.blocks.forward(ctx.x, { bias: ctx.bias, keyPadding: ctx.padMask });
    const layers: BlockOutput[] = enc.layers.map((l) => ({ out: dropExtraTokens(l.out, e), ffn: dropExtraTokens(l.ffn, e) }));
    const [r, , d] = enc.out.shape;
    const cls = e > 0 ? enc.out.slice([0, e - 1, 0], [r, 1, d]).reshape([r, d]) : undefined;
    const padMask = ctx.padMask && e > 0 ? dropExtraTokens(ctx.padMask, e) : ctx.padMask;
    return { out: dropExtraTokens(enc.out, e), full: enc.out, layers, cls, padMask };
  }

  /** Unmasked forward (teacher, probing): raw input [B, ...] → every main block, extra tokens removed. */
  forward(input: tf.Tensor, inputs: EncoderInputs = {}): V2EncoderResult {
    if (inputs.mask) throw new Error('V2Backbone.forward takes no mask: data2vec 2.0 drops masked tokens; call contextualize with a MaskInfo instead.');
    return this.run(this.modality.contextualize(this.modality.localFeatures(input), { padMask: inputs.padMask }));
  }
}
