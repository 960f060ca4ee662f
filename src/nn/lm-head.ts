/**
 * The masked-language-model output layer of RoBERTa (fairseq `RobertaLMHead`, the
 * baseline data2vec 1.0 text is compared with, P1 §4.3): dense(D, D) → GELU →
 * LayerNorm → logits over the vocabulary through the token embedding table itself
 * (tied weights, `x · Eᵀ`) plus a per-token bias. Used by the MLM control of the
 * text benchmarks (`masked-lm.ts`); data2vec itself regresses features instead.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Linear } from './linear';
import { LayerNorm } from './layer-norm';
import { gelu } from './activations';
import { matMul } from './matmul';
import { Rng } from '../util/rng';

/** RoBERTa's LM head: dense → GELU → LayerNorm → logits through a tied `[vocab, D]` embedding table, plus a bias. */
export class LmHead extends Module {
  /** The D → D transform before the GELU (normal init, std 0.02). */
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  /** Per-token output bias `[vocab]`, zero at init. */
  readonly bias: tf.Variable;

  /**
   * @param embedding the `[vocab, D]` token table the logits are read through (not owned: its
   *   module trains and checkpoints it)
   * @param rng draws the dense layer's initial weights
   * @param options `eps`: the LayerNorm epsilon (default 1e-5, RoBERTa's)
   */
  constructor(private readonly embedding: tf.Variable, rng: Rng, options: { eps?: number } = {}) {
    super();
    const [vocab, dim] = embedding.shape as [number, number];
    this.dense = this.addChild('dense', new Linear(dim, dim, rng, { init: { kind: 'normal', std: 0.02 } }));
    this.layerNorm = this.addChild('layer_norm', new LayerNorm(dim, { eps: options.eps ?? 1e-5 }));
    this.bias = this.addParam('bias', tf.zeros([vocab]));
  }

  /** Features [N, D] → logits [N, vocab]. */
  forward(x: tf.Tensor): tf.Tensor {
    const h = this.layerNorm.forward(gelu(this.dense.forward(x)));
    return tf.add(matMul(h, this.embedding, true), this.bias);
  }
}
