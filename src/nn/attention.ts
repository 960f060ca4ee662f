/**
 * Multi-head self-attention with an optional additive bias on the logits (spec §1:
 * BEiT relative position bias §1.3, ALiBi §1.2) and a key padding mask.
 * Bias options follow the references: all of q/k/v (fairseq, v2 `qkv_bias=True`)
 * or q and v only (BEiT, §1.3). The per-head products take the projections'
 * [B, T, D] layout as it is (`./attention-heads.ts`: no head transposes on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Linear } from './linear';
import { Dropout } from './dropout';
import { Init } from './init';
import { Rng } from '../util/rng';
import { headContext, headLogits } from './attention-heads';
import { softmaxLastAxis } from './softmax';
import { addBias } from './linear';

/**
 * logits [B, heads, T, T] + a bias shared by every sample ([heads, T, T], or with
 * leading 1s): each sample's logits are one row of `addBias`, so on wasm the add is
 * the fused bias kernel and the bias gradient a column sum (tfjs's broadcast add
 * sums its gradient over the batch after a transpose, about 5× slower); any other
 * bias broadcasts as `tf.add`.
 */
function addLogitBias(logits: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const perSample = logits.shape.slice(1);
  const lead = bias.shape.slice(0, Math.max(bias.rank - perSample.length, 0));
  const shared = bias.rank >= perSample.length && lead.every((d) => d === 1)
    && tf.util.arraysEqual(bias.shape.slice(lead.length), perSample);
  if (!shared) return tf.add(logits, bias);
  const size = bias.size;
  return addBias(logits.reshape([logits.shape[0], size]), bias.reshape([size])).reshape(logits.shape);
}

export interface AttentionOptions {
  /** Which projections carry a bias: 'all' (default), 'qv' (BEiT: no key bias) or 'none'. */
  qkvBias?: 'all' | 'qv' | 'none';
  /** Dropout on the attention probabilities. */
  attnDropout?: number;
  init?: Init;
}

export interface AttentionInputs {
  /** Added to the logits; broadcastable to [B, heads, T, T] (e.g. [heads, T, T]). */
  bias?: tf.Tensor;
  /** [B, T], 1 where the key is padding (never attended to). */
  keyPadding?: tf.Tensor;
}

export class MultiHeadSelfAttention extends Module {
  readonly headDim: number;
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly outProj: Linear;
  readonly attnDrop: Dropout;

  constructor(
    readonly dim: number,
    readonly heads: number,
    rng: Rng,
    options: AttentionOptions = {},
  ) {
    super();
    if (dim % heads !== 0) throw new Error(`embedding dim ${dim} is not divisible by ${heads} heads.`);
    this.headDim = dim / heads;
    const qkvBias = options.qkvBias ?? 'all';
    const init = options.init;
    this.qProj = this.addChild('q_proj', new Linear(dim, dim, rng, { bias: qkvBias !== 'none', init }));
    this.kProj = this.addChild('k_proj', new Linear(dim, dim, rng, { bias: qkvBias === 'all', init }));
    this.vProj = this.addChild('v_proj', new Linear(dim, dim, rng, { bias: qkvBias !== 'none', init }));
    this.outProj = this.addChild('out_proj', new Linear(dim, dim, rng, { init }));
    this.attnDrop = this.addChild('attn_drop', new Dropout(options.attnDropout ?? 0, rng.fork()));
  }

  /** Attention probabilities [B, heads, T, T] (for inspection). */
  attentionWeights(x: tf.Tensor, inputs: AttentionInputs = {}): tf.Tensor {
    const [b, t] = x.shape;
    let logits = tf.mul(headLogits(this.qProj.forward(x), this.kProj.forward(x), this.heads), 1 / Math.sqrt(this.headDim));
    if (inputs.bias) logits = addLogitBias(logits, inputs.bias);
    if (inputs.keyPadding) logits = tf.add(logits, tf.mul(inputs.keyPadding.reshape([b, 1, 1, t]), -1e9));
    return softmaxLastAxis(logits);
  }

  forward(x: tf.Tensor, inputs: AttentionInputs = {}): tf.Tensor {
    const probs = this.attnDrop.forward(this.attentionWeights(x, inputs));
    return this.outProj.forward(headContext(probs, this.vProj.forward(x), this.heads));
  }
}
