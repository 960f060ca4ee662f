/**
 * The data2vec 2.0 text modality encoder (spec §1.4 "v2", §2.5, §4.2, traps 9–10, 26,
 * 28; fairseq `modalities/text.py` `TextEncoder` / `TextLocalEncoder` and
 * `ModalitySpecificEncoder.contextualized_features`):
 *
 *   local features:  token embedding (scale 1) + learned positions → embedding
 *                    LayerNorm → dropout (`D2vTextConfig.dropout` 0.1)
 *   student (R = B·M clone rows): the kept tokens of each clone gathered straight
 *                    from the B samples (`repeat_interleave` + `gather_unmasked` in one
 *                    gather), positions already inside; the pad mask gathered alike
 *   context encoder: identity (`prenet_depth 0`: no LayerNorm, no dropout)
 *
 * The embedding stage is the v1 text encoder's ({@link TextEmbeddings}: fairseq
 * `make_positions`, a position table of maxPositions + pad + 1 rows, padded slots
 * zeroed), with its dropout moved here so that it can be drawn once per input batch:
 * text v2's teacher encodes the student's own `local_features`, embedding dropout
 * included (trap 28), and the shared model computes them twice (teacher outside the
 * gradient tape, student inside), so {@link TextEncoderV2.localFeatures} draws one
 * dropout seed per input tensor and reuses it for the second call.
 *
 * Padding: `localFeatures` remembers which positions of its output are padding (token
 * id `padIdx`), so `contextualize` finds the key padding mask even when the caller
 * passes none (`V2Backbone.forward(tokens)` for probing and the teacher).
 *
 * Teacher (spec §4.2, `ema_encoder_only: true`): only the main blocks are EMA'd; the
 * embeddings are the student's ({@link TEXT_V2_SHARED_PREFIXES}, `teacherInput:
 * 'studentContext'`). Init is `init_bert_params`: N(0, 0.02) for every Linear (blocks
 * and decoder projection, via `initBertLinears`) and both embedding tables.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { gatherTokens } from '../../nn/gather-tokens';
import { hostInt32 } from '../../nn/host-copy';
import { V2BlockConfig, pickV2BlockConfig } from '../../data2vec/v2-context-encoder';
import { ContextOutput, V2Backbone, V2ModalityEncoder } from '../../data2vec/v2-backbone';
import { MaskInfo } from '../../data2vec/v2-mask-info';
import { Rng } from '../../util/rng';
import { hashDropout } from '../../backend/device-random';
import { TextEmbeddings } from './text-embeddings';
import { initBertLinears } from '../../nn/init-bert';

/** Architecture of the v2 text backbone; comments give the fairseq field and the base value. */
export interface TextEncoderV2Config {
  /** Token ids, specials included (the tokenizer's `vocabSize`; GPT-2 BPE + specials in base). */
  vocabSize: number;
  /** Id of `<pad>` (1). */
  padIdx: number;
  /** `embed_dim` D: 768. */
  dim: number;
  /** `num_heads`: 12. */
  heads: number;
  /** `mlp_ratio`: 4. */
  mlpRatio: number;
  /** Main post-LN blocks (`depth`): 12; every one provides targets. */
  depth: number;
  /** `max_source_positions`: 512. */
  maxPositions: number;
  /** `norm_eps`: 1e-5. */
  eps: number;
  /** Dropout after the embedding LayerNorm (`D2vTextConfig.dropout`): 0.1. */
  embedDropout: number;
  /** `encoder_dropout` (attention output): 0.1. */
  dropout: number;
  /** `attention_dropout`: 0.1. */
  attnDropout: number;
  /** `activation_dropout`: 0. */
  activationDropout: number;
  /** `post_mlp_drop`: 0.1. */
  postMlpDropout: number;
  /** `layerdrop`: 0. */
  layerdrop: number;
}

/** Parameters the teacher copies from the student (spec §4.2: text v2 EMAs only the blocks). */
export const TEXT_V2_SHARED_PREFIXES: readonly string[] = Object.freeze(['modality_encoder']);

/** The main-block settings of a config. */
export function textV2BlockConfig(c: TextEncoderV2Config): V2BlockConfig {
  return pickV2BlockConfig(c);
}

export class TextEncoderV2 extends Module implements V2ModalityEncoder {
  readonly dim: number;
  readonly numExtraTokens = 0;
  readonly localEncoder: TextEmbeddings;
  private rng: Rng;
  private readonly dropoutSeeds = new WeakMap<tf.Tensor, number>();
  private readonly padOf = new WeakMap<tf.Tensor, { data: Float32Array; shape: [number, number] }>();

  constructor(readonly config: TextEncoderV2Config, rng: Rng) {
    super();
    const { vocabSize, padIdx, dim } = config;
    if (!(Number.isInteger(padIdx) && padIdx >= 0 && padIdx < vocabSize)) {
      throw new Error(`model.padIdx ${padIdx} must be a token id below model.vocabSize ${vocabSize}.`);
    }
    if (!(config.embedDropout >= 0 && config.embedDropout < 1)) throw new Error(`model.embedDropout is ${config.embedDropout}; it must be in [0, 1).`);
    this.dim = dim;
    this.localEncoder = this.addChild('local_encoder', new TextEmbeddings({
      vocabSize, dim, padIdx, maxPositions: config.maxPositions, dropout: 0, eps: config.eps,
    }, rng));
    this.rng = rng.fork();
  }

  protected override onReseed(rng: Rng): void {
    this.rng = rng.fork();
  }

  /** The dropout seed of an input batch: drawn at its first use, reused after (trap 28). */
  private dropoutSeed(tokens: tf.Tensor): number {
    let seed = this.dropoutSeeds.get(tokens);
    if (seed === undefined) {
      seed = this.rng.int32();
      this.dropoutSeeds.set(tokens, seed);
    }
    return seed;
  }

  /**
   * tokens int32 [B, T] → embeddings [B, T, D] (pads zeroed). In train mode the
   * embedding dropout is the same for every call with the same `tokens` tensor.
   */
  localFeatures(tokens: tf.Tensor): tf.Tensor {
    if (tokens.rank !== 2) throw new Error(`the text encoder takes token ids [batch, length], got shape [${tokens.shape}].`);
    const [b, t] = tokens.shape as [number, number];
    const hostIds = hostInt32(tokens, 'text encoder token ids');
    const pad = new Float32Array(hostIds.length);
    for (let i = 0; i < pad.length; i++) pad[i] = hostIds[i] === this.config.padIdx ? 1 : 0;
    const x = tf.tidy(() => {
      const ids = tokens.dtype === 'int32' ? tokens : tf.cast(tokens, 'int32');
      const e = this.localEncoder.forward(ids, tf.tensor2d(pad, [b, t]));
      const rate = this.config.embedDropout;
      return this.training && rate > 0 ? hashDropout(e, rate, this.dropoutSeed(tokens)) : e;
    });
    this.padOf.set(x, { data: pad, shape: [b, t] });
    return x;
  }

  /** The [B, T] padding mask `localFeatures` saw for `local` (1 = pad), if it made `local`. */
  paddingMaskOf(local: tf.Tensor): tf.Tensor2D | undefined {
    const p = this.padOf.get(local);
    return p && p.data.some((v) => v > 0) ? tf.tensor2d(p.data, p.shape) : undefined;
  }

  contextualize(local: tf.Tensor, inputs: { mask?: MaskInfo; padMask?: tf.Tensor } = {}): ContextOutput {
    const padMask = inputs.padMask ?? this.paddingMaskOf(local);
    const { mask } = inputs;
    if (!mask) return { x: local, padMask };
    // repeat_interleave + gather_unmasked in one gather: row r keeps tokens of sample ⌊r/M⌋.
    const x = gatherTokens(local, mask.sourceKeepIndex, mask.rows);
    const keptPad = padMask ? gatherTokens(padMask.expandDims(-1), mask.sourceKeepIndex, mask.rows).squeeze([2]) : undefined;
    return { x, padMask: keptPad };
  }
}

/** The text backbone: this modality encoder + `depth` post-LN main blocks (N(0, 0.02) linears). */
export function textBackboneV2(config: TextEncoderV2Config, rng: Rng): V2Backbone<TextEncoderV2> {
  const backbone = new V2Backbone(new TextEncoderV2(config, rng), textV2BlockConfig(config), config.depth, rng);
  initBertLinears(backbone.blocks, rng);
  return backbone;
}
