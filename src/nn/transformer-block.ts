/**
 * Transformer block in post-LN form (fairseq `TransformerSentenceEncoderLayer`,
 * v2 `AltBlock`; spec §1.2, §1.4, trap 19) or pre-LN form (BEiT `Block` with
 * optional layer scale, spec §1.3). It returns both candidate data2vec targets
 * (spec §3.1): the FFN output before the last residual and the end-of-block output.
 *
 * post-LN: x = LN1(x + dropPath(drop(attn(x))));   t = mlp(x);  out = LN2(x + dropPath(ffnDrop(t)))
 * pre-LN:  x = x + dropPath(γ1·attn(LN1(x)));   t = dropPath(γ2·mlp(LN2(x)));  out = x + t
 * Parameter names follow timm/BEiT: attn, norm1, mlp, norm2, gamma_1, gamma_2.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { LayerNorm } from './layer-norm';
import { MultiHeadSelfAttention, AttentionInputs } from './attention';
import { FeedForward } from './feed-forward';
import { Dropout, DropPath } from './dropout';
import { Init } from './init';
import { Rng } from '../util/rng';

export interface TransformerBlockOptions {
  dim: number;
  heads: number;
  /** FFN hidden width = mlpRatio·dim (default 4). */
  mlpRatio?: number;
  /** 'post' (fairseq, v2 AltBlock, RoBERTa) or 'pre' (BEiT). */
  norm: 'post' | 'pre';
  eps?: number;
  qkvBias?: 'all' | 'qv' | 'none';
  /** Dropout on the attention output before its residual. */
  dropout?: number;
  /** Dropout on the FFN output before its residual (fairseq dropout3 / v2 post_mlp_drop); defaults to `dropout`. */
  ffnDropout?: number;
  attnDropout?: number;
  activationDropout?: number;
  dropPath?: number;
  /** Pre-LN only: learned per-channel scales γ1, γ2 initialised at this value (BEiT layer scale). */
  layerScale?: number;
  init?: Init;
}

export interface BlockOutput {
  /** End-of-block output (the residual stream). */
  out: tf.Tensor;
  /** FFN output before the last residual: the data2vec target activation (§3.1). */
  ffn: tf.Tensor;
}

export class TransformerBlock extends Module {
  readonly attn: MultiHeadSelfAttention;
  readonly norm1: LayerNorm;
  readonly mlp: FeedForward;
  readonly norm2: LayerNorm;
  readonly gamma1: tf.Variable | undefined;
  readonly gamma2: tf.Variable | undefined;
  private readonly drop: Dropout;
  private readonly ffnDrop: Dropout;
  private readonly dropPath: DropPath;

  constructor(readonly options: TransformerBlockOptions, rng: Rng) {
    super();
    const { dim, heads } = options;
    const eps = options.eps ?? 1e-5;
    this.attn = this.addChild('attn', new MultiHeadSelfAttention(dim, heads, rng, {
      qkvBias: options.qkvBias, attnDropout: options.attnDropout, init: options.init,
    }));
    this.norm1 = this.addChild('norm1', new LayerNorm(dim, { eps }));
    this.mlp = this.addChild('mlp', new FeedForward(dim, Math.round(dim * (options.mlpRatio ?? 4)), rng, {
      activationDropout: options.activationDropout, init: options.init,
    }));
    this.norm2 = this.addChild('norm2', new LayerNorm(dim, { eps }));
    if (options.layerScale !== undefined && options.layerScale > 0) {
      if (options.norm !== 'pre') throw new Error('layer scale is defined for pre-LN blocks only (BEiT).');
      this.gamma1 = this.addParam('gamma_1', tf.fill([dim], options.layerScale));
      this.gamma2 = this.addParam('gamma_2', tf.fill([dim], options.layerScale));
    }
    this.drop = this.addChild('drop', new Dropout(options.dropout ?? 0, rng.fork()));
    this.ffnDrop = this.addChild('ffn_drop', new Dropout(options.ffnDropout ?? options.dropout ?? 0, rng.fork()));
    this.dropPath = this.addChild('drop_path', new DropPath(options.dropPath ?? 0, rng.fork()));
  }

  forward(x: tf.Tensor, inputs: AttentionInputs = {}): BlockOutput {
    if (this.options.norm === 'post') {
      const h = this.norm1.forward(tf.add(x, this.dropPath.forward(this.drop.forward(this.attn.forward(x, inputs)))));
      const ffn = this.mlp.forward(h);
      const out = this.norm2.forward(tf.add(h, this.dropPath.forward(this.ffnDrop.forward(ffn))));
      return { out, ffn };
    }
    let a = this.drop.forward(this.attn.forward(this.norm1.forward(x), inputs));
    if (this.gamma1) a = tf.mul(a, this.gamma1);
    const h = tf.add(x, this.dropPath.forward(a));
    let m = this.ffnDrop.forward(this.mlp.forward(this.norm2.forward(h)));
    if (this.gamma2) m = tf.mul(m, this.gamma2);
    const ffn = this.dropPath.forward(m);
    return { out: tf.add(h, ffn), ffn };
  }
}
