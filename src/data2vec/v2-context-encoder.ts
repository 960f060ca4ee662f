/**
 * The data2vec 2.0 context encoder (spec §1.2–1.4, trap 20; fairseq `BlockEncoder`
 * with `layer_norm_first=False`): layer norm → dropout (`prenet_dropout`) → the
 * modality's prenet blocks (post-LN). Images base: LN + 2 blocks; audio base: LN and
 * no blocks; text: nothing (identity). Prenet blocks never provide targets.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { LayerNorm } from '../nn/layer-norm';
import { Dropout } from '../nn/dropout';
import { TransformerEncoder } from '../nn/transformer-encoder';
import { AttentionInputs } from '../nn/attention';
import { Rng } from '../util/rng';

/** The v2 block settings shared by prenet and main blocks (`Data2VecMultiConfig`, `make_block`). */
export interface V2BlockConfig {
  dim: number;
  heads: number;
  mlpRatio: number;
  /** LayerNorm eps (`norm_eps`: 1e-6 images, 1e-5 audio and text). */
  eps: number;
  /** `encoder_dropout` (attention output). */
  dropout: number;
  attnDropout: number;
  activationDropout: number;
  /** `post_mlp_drop`. */
  postMlpDropout: number;
  layerdrop: number;
}

/** The block settings within a larger config (every field of {@link V2BlockConfig}, nothing else). */
export function pickV2BlockConfig(c: V2BlockConfig): V2BlockConfig {
  return {
    dim: c.dim, heads: c.heads, mlpRatio: c.mlpRatio, eps: c.eps, dropout: c.dropout, attnDropout: c.attnDropout,
    activationDropout: c.activationDropout, postMlpDropout: c.postMlpDropout, layerdrop: c.layerdrop,
  };
}

/** Post-LN blocks as v2's `AltBlock` (q/k/v biases, xavier-uniform linears as `_init_weights`). */
export function v2Blocks(depth: number, c: V2BlockConfig, rng: Rng, layerdrop = c.layerdrop): TransformerEncoder {
  return new TransformerEncoder({
    depth, dim: c.dim, heads: c.heads, mlpRatio: c.mlpRatio, norm: 'post', eps: c.eps, qkvBias: 'all',
    dropout: c.dropout, ffnDropout: c.postMlpDropout, attnDropout: c.attnDropout, activationDropout: c.activationDropout,
    layerdrop, init: { kind: 'xavierUniform' },
  }, rng);
}

/** Options of {@link V2ContextEncoder}. */
export interface V2ContextEncoderOptions {
  /** Input layer norm (absent for text). */
  norm: boolean;
  /** `prenet_dropout`. */
  dropout: number;
  /** Number of prenet blocks (`prenet_depth`). */
  depth: number;
  /** `prenet_layerdrop`. */
  layerdrop: number;
}

export class V2ContextEncoder extends Module {
  readonly norm: LayerNorm | undefined;
  readonly dropout: Dropout;
  readonly blocks: TransformerEncoder | undefined;

  constructor(readonly options: V2ContextEncoderOptions, block: V2BlockConfig, rng: Rng) {
    super();
    if (options.norm) this.norm = this.addChild('norm', new LayerNorm(block.dim, { eps: block.eps }));
    this.dropout = this.addChild('dropout', new Dropout(options.dropout, rng.fork()));
    if (options.depth > 0) this.blocks = this.addChild('blocks', v2Blocks(options.depth, block, rng, options.layerdrop));
  }

  /** x [R, N, D] (extra tokens included) → [R, N, D]. */
  forward(x: tf.Tensor, inputs: AttentionInputs = {}): tf.Tensor {
    let y = this.norm ? this.norm.forward(x) : x;
    y = this.dropout.forward(y);
    return this.blocks ? this.blocks.forward(y, inputs).out : y;
  }
}
