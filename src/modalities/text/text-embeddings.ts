/**
 * The embedding stage of the RoBERTa-style text encoder (spec §1.4; fairseq
 * `TransformerEncoder.forward_embedding` with `no_scale_embedding`, `learned_pos`,
 * `layernorm_embedding`; HF `Data2VecTextEmbeddings`): token embedding (scale 1) +
 * learned positions → LayerNorm → dropout, then padded positions set to zero
 * (`x * (1 − padding_mask)` in `forward_scriptable`).
 *
 * Positions mirror fairseq's `LearnedPositionalEmbedding` exactly: position ids come
 * from `make_positions` (`cumsum(tokens ≠ pad) · (tokens ≠ pad) + pad`), so the first
 * real token uses row pad+1 = 2 and every padded slot uses row `pad`, which is zero and
 * never trained. The table therefore has `maxPositions + pad + 1` rows (514 for 512
 * positions), the shape of the released checkpoints (HF `max_position_embeddings=514`),
 * so weights map one to one. The cost is two rows that carry nothing. A consequence of
 * `make_positions` worth knowing: positions count non-pad tokens, so a sequence with
 * pads in the middle (the reference teacher input of trap 14) gets compacted positions.
 *
 * With `typeVocabSize` (HF RoBERTa layout, `type_vocab_size`) a token type table
 * `token_type_embeddings` is added too (row 0 for every token unless type ids are given).
 *
 * Parameter names follow HF: `word_embeddings`, `position_embeddings`, `token_type_embeddings`, `LayerNorm`.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { TokenEmbedding } from '../../nn/token-embedding';
import { LayerNorm } from '../../nn/layer-norm';
import { Dropout } from '../../nn/dropout';
import { Rng } from '../../util/rng';

/** fairseq `utils.make_positions`: tokens int32 [B, T] → position ids int32 [B, T]. */
export function makePositions(tokens: tf.Tensor, padIdx: number): tf.Tensor {
  return tf.tidy(() => {
    const real = tf.cast(tf.notEqual(tokens, padIdx), 'int32');
    return tf.add(tf.mul(tf.cumsum(real, 1), real), padIdx);
  });
}

/** Sizes of {@link TextEmbeddings}. */
export interface TextEmbeddingsConfig {
  vocabSize: number;
  dim: number;
  /** Id of `<pad>` (1 in fairseq's dictionary layout). */
  padIdx: number;
  /** Longest sequence, in tokens (`max_source_positions`, 512 in base). */
  maxPositions: number;
  /** Dropout after the LayerNorm. */
  dropout: number;
  /** LayerNorm eps (1e-5). */
  eps: number;
  /** Rows of a token type table (HF `type_vocab_size`, 1 in RoBERTa); absent or 0: none (fairseq). */
  typeVocabSize?: number;
}

export class TextEmbeddings extends Module {
  readonly wordEmbeddings: TokenEmbedding;
  readonly positionEmbeddings: TokenEmbedding;
  readonly tokenTypeEmbeddings: TokenEmbedding | undefined;
  readonly layerNorm: LayerNorm;
  private readonly dropout: Dropout;

  constructor(readonly config: TextEmbeddingsConfig, rng: Rng) {
    super();
    const { vocabSize, dim, padIdx, maxPositions } = config;
    this.wordEmbeddings = this.addChild('word_embeddings', new TokenEmbedding(vocabSize, dim, rng, { paddingIdx: padIdx }));
    this.positionEmbeddings = this.addChild('position_embeddings', new TokenEmbedding(maxPositions + padIdx + 1, dim, rng, { paddingIdx: padIdx }));
    if (config.typeVocabSize) this.tokenTypeEmbeddings = this.addChild('token_type_embeddings', new TokenEmbedding(config.typeVocabSize, dim, rng));
    this.layerNorm = this.addChild('LayerNorm', new LayerNorm(dim, { eps: config.eps }));
    this.dropout = this.addChild('dropout', new Dropout(config.dropout, rng.fork()));
  }

  /**
   * tokens int32 [B, T] → embeddings [B, T, D] with padded positions zeroed.
   * `padMask` [B, T] (1 = padding) says which positions to zero; default `tokens == pad`.
   * `typeIds` [B, T] int32 picks token type rows (default 0), when the table exists.
   */
  forward(tokens: tf.Tensor, padMask?: tf.Tensor, typeIds?: tf.Tensor): tf.Tensor {
    const t = tokens.shape[1] as number;
    if (t > this.config.maxPositions) {
      throw new Error(`a sequence of ${t} tokens is longer than the encoder's ${this.config.maxPositions} positions; truncate it or raise model.maxPositions.`);
    }
    const pad = padMask ?? tf.cast(tf.equal(tokens, this.config.padIdx), 'float32');
    let summed = tf.add(this.wordEmbeddings.forward(tokens), this.positionEmbeddings.forward(makePositions(tokens, this.config.padIdx)));
    if (this.tokenTypeEmbeddings) summed = tf.add(summed, this.tokenTypeEmbeddings.forward(typeIds ?? tf.zerosLike(tokens)));
    const x = this.dropout.forward(this.layerNorm.forward(summed));
    return tf.mul(x, tf.sub(1, pad).expandDims(-1));
  }
}
