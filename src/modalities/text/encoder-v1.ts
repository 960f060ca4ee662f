/**
 * The data2vec 1.0 text encoder, RoBERTa style (spec §1.4; fairseq
 * `Data2VecTextEncoder.sentence_encoder` = `TransformerEncoder(..., return_fc=True)`
 * with `encoder.normalize_before: false`, `layernorm_embedding`, `no_scale_embedding`,
 * `learned_pos`): {@link TextEmbeddings} → post-LN blocks (GELU, eps 1e-5) with the
 * key padding mask `tokens == <pad>` (fairseq `src_tokens.eq(padding_idx)`), no final
 * LayerNorm. Each block also reports its FFN output before dropout and the residual
 * (`fc_results`), the data2vec target (§3.1). Init is `init_bert_params`: N(0, 0.02)
 * for linear and embedding weights, zero biases, zero padding rows.
 *
 * HF RoBERTa layout options: a token type table (`typeVocabSize`) and the pooler
 * (`pooler`: tanh(dense(first token)), HF `pooler.dense`).
 *
 * The v1 student sees `<mask>` ids in place (spec §2.5): the mask embedding is the
 * vocabulary's last row. `inputs.mask`, if given, writes `<mask>` at those positions.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { TransformerEncoder } from '../../nn/transformer-encoder';
import { EncoderInputs, EncoderResult, MaskedEncoder } from '../../data2vec/encoder-contract';
import { Rng } from '../../util/rng';
import { TextEmbeddings } from './text-embeddings';
import { Linear } from '../../nn/linear';
import { BlockOutput } from '../../nn/transformer-block';

export interface TextEncoderV1Config {
  /** Number of token ids, specials and `<mask>` included (the tokenizer's `vocabSize`). */
  vocabSize: number;
  /** Id of `<pad>` (1). `<mask>` is `vocabSize − 1`. */
  padIdx: number;
  dim: number;
  depth: number;
  heads: number;
  /** FFN hidden width (3072 in base). */
  ffnDim: number;
  /** Longest sequence in tokens (512 in base); the position table has maxPositions + padIdx + 1 rows. */
  maxPositions: number;
  /** Dropout on embeddings, attention output and FFN output (0.1). */
  dropout: number;
  /** Dropout on attention probabilities (0.1). */
  attnDropout: number;
  /** Dropout after the FFN activation (0 in RoBERTa/data2vec). */
  activationDropout: number;
  /** Probability of skipping a block in training (0 in the released config). */
  layerdrop: number;
  /** LayerNorm eps (1e-5). */
  eps: number;
  /** Rows of the token type table (HF `type_vocab_size`); absent or 0: none. */
  typeVocabSize?: number;
  /** The HF pooler, tanh(dense(first token)); default false. */
  pooler?: boolean;
}

/** Every stage's tokens (HF `hidden_states`), the pooled output and the padding mask used. */
export interface TextEncoderStates {
  /** The embeddings, then each block's output: depth + 1 tensors [B, T, D]. */
  hidden: tf.Tensor[];
  layers: BlockOutput[];
  /** tanh(dense(first token)) [B, D] when the encoder has the pooler. */
  pooled?: tf.Tensor;
  padMask: tf.Tensor;
}

export class TextEncoderV1 extends Module implements MaskedEncoder {
  readonly dim: number;
  readonly depth: number;
  readonly embeddings: TextEmbeddings;
  readonly encoder: TransformerEncoder;
  readonly poolerDense: Linear | undefined;

  constructor(readonly config: TextEncoderV1Config, rng: Rng) {
    super();
    const { vocabSize, padIdx, dim, depth, heads, ffnDim } = config;
    if (!(Number.isInteger(padIdx) && padIdx >= 0 && padIdx < vocabSize - 1)) {
      throw new Error(`model.padIdx ${padIdx} must be an id below the <mask> id ${vocabSize - 1}.`);
    }
    this.dim = dim;
    this.depth = depth;
    this.embeddings = this.addChild('embeddings', new TextEmbeddings({
      vocabSize, dim, padIdx, maxPositions: config.maxPositions, dropout: config.dropout, eps: config.eps, typeVocabSize: config.typeVocabSize,
    }, rng));
    this.encoder = this.addChild('encoder', new TransformerEncoder({
      depth, dim, heads, mlpRatio: ffnDim / dim, norm: 'post', eps: config.eps, qkvBias: 'all',
      dropout: config.dropout, attnDropout: config.attnDropout, activationDropout: config.activationDropout,
      layerdrop: config.layerdrop, init: { kind: 'normal', std: 0.02 },
    }, rng));
    if (config.pooler) this.poolerDense = this.addChild('pooler.dense', new Linear(dim, dim, rng, { init: { kind: 'normal', std: 0.02 } }));
  }

  /** Id of `<mask>` (the last row of the vocabulary). */
  get maskIdx(): number {
    return this.config.vocabSize - 1;
  }

  /**
   * tokens int32 [B, T] → per-token outputs [B, T, D], every block's results, and the
   * padding mask used (1 = pad): `tokens == <pad>`, joined with `inputs.padMask` if given.
   */
  forward(tokens: tf.Tensor, inputs: EncoderInputs = {}): EncoderResult {
    const s = this.forwardStates(tokens, inputs);
    return { out: s.hidden[s.hidden.length - 1], layers: s.layers, padMask: s.padMask };
  }

  /** The forward pass with every stage's tokens and the pooled output; `typeIds` [B, T] picks token types. */
  forwardStates(tokens: tf.Tensor, inputs: EncoderInputs = {}, typeIds?: tf.Tensor): TextEncoderStates {
    let ids = tokens.dtype === 'int32' ? tokens : tf.cast(tokens, 'int32');
    if (inputs.mask) {
      const m = tf.cast(inputs.mask, 'int32');
      ids = tf.add(tf.mul(ids, tf.sub(1, m)), tf.mul(m, this.maskIdx));
    }
    let padMask = tf.cast(tf.equal(ids, this.config.padIdx), 'float32');
    if (inputs.padMask) padMask = tf.maximum(padMask, inputs.padMask);
    const x = this.embeddings.forward(ids, padMask, typeIds);
    const enc = this.encoder.forward(x, { keyPadding: padMask });
    const [b, , d] = enc.out.shape;
    const pooled = this.poolerDense ? tf.tanh(this.poolerDense.forward(enc.out.slice([0, 0, 0], [b, 1, d]).reshape([b, d]))) : undefined;
    return { hidden: [x, ...enc.layers.map((l) => l.out)], layers: enc.layers, pooled, padMask };
  }
}
