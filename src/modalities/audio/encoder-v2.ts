/**
 * The data2vec 2.0 speech modality encoder (spec §1.2 "v2", §2.5, traps 9–10; fairseq
 * `modalities/audio.py` `AudioEncoder` + `ModalitySpecificEncoder.contextualized_features`
 * with `encoder_zero_mask`, `use_alibi_encoder`, `learned_alibi_scale_per_head`):
 *
 *   local features:  waveform → wav2vec 2.0 CNN → LayerNorm(C) → Linear(C → D)
 *   student (R = B·M clone rows, `repeat_interleave`):
 *     masked frames ZEROED → conv positional encoder over the full zero-filled sequence
 *     → its output at the kept frames added to the kept (unzeroed) features
 *     → ALiBi bias gathered for the kept positions (original distances)
 *     → context encoder: LayerNorm → dropout (`prenet_dropout`) → prenet blocks
 *   teacher / probing (no mask): x + pos_conv(x), the full ALiBi bias, the same context encoder.
 *
 * The ALiBi bias goes on to every main block (`V2Backbone.run`). The CNN and the
 * projection are the student's in the teacher (`AUDIO_V2_SHARED_PREFIXES`, `teacherInput:
 * 'studentLocal'`); unlike data2vec 1.0 the positional conv, the ALiBi scales and the
 * context encoder are EMA'd (spec §4.2). Inits follow the reference: kaiming normal for
 * the CNN, PyTorch defaults for the projection and the positional convs, N(0, 0.02) for
 * the blocks (`init_bert_params`), ALiBi scales 1.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { AlibiBias } from '../../nn/alibi';
import { gatherTokens, repeatInterleave } from '../../nn/gather-tokens';
import { V2BlockConfig, V2ContextEncoder, pickV2BlockConfig } from '../../data2vec/v2-context-encoder';
import { ContextOutput, V2Backbone, V2ModalityEncoder } from '../../data2vec/v2-backbone';
import { MaskInfo } from '../../data2vec/v2-mask-info';
import { Rng } from '../../util/rng';
import { ConvFeatureExtractor, ConvLayerSpec } from './feature-extractor';
import { FeatureProjection } from './encoder-v1';
import { PositionalConv, PositionalConvOptions } from './positional-conv';
import { maskedAlibiBias } from './masked-alibi-v2';
import { initBertLinears } from '../../nn/init-bert';

/** Architecture of the v2 speech backbone; comments give the fairseq field and the base value. */
export interface AudioEncoderV2Config {
  /** `feature_encoder_spec`: `[(512,10,5)] + [(512,3,2)]*4 + [(512,2,2)]*2`. */
  convLayers: ConvLayerSpec[];
  /** `embed_dim` D: 768. */
  dim: number;
  /** `num_heads` (also the ALiBi heads): 12. */
  heads: number;
  /** `mlp_ratio`: 4. */
  mlpRatio: number;
  /** Main blocks (`depth`): 12; the target providers. */
  depth: number;
  /** Modality-specific blocks before the main blocks (`prenet_depth`): 0 in base. */
  prenetDepth: number;
  /** `conv_pos_width` 95, `conv_pos_depth` 5, `conv_pos_groups` 16. */
  posConv: PositionalConvOptions;
  /** `norm_eps`: 1e-5. */
  eps: number;
  /** `encoder_dropout` (attention output): 0.1. */
  dropout: number;
  /** `attention_dropout`: 0.1. */
  attnDropout: number;
  /** `activation_dropout`: 0. */
  activationDropout: number;
  /** `post_mlp_drop`: 0.1. */
  postMlpDropout: number;
  /** Main-block `layerdrop`: 0.05. */
  layerdrop: number;
  /** `prenet_dropout` (after the context encoder's LayerNorm): 0.1. */
  prenetDropout: number;
  /** `prenet_layerdrop`: 0.05. */
  prenetLayerdrop: number;
  /** `learned_alibi_scale` (per head, clamped at ≥ 0): true. */
  learnedAlibiScale: boolean;
}

/** Parameters the teacher copies from the student rather than averaging (spec §4.2: the CNN and projection are shared). */
export const AUDIO_V2_SHARED_PREFIXES: readonly string[] = Object.freeze([
  'modality_encoder.local_encoder', 'modality_encoder.project_features',
]);

/** The block settings of a config (shared by prenet and main blocks). */
export function audioV2BlockConfig(c: AudioEncoderV2Config): V2BlockConfig {
  return pickV2BlockConfig(c);
}

export class AudioEncoderV2 extends Module implements V2ModalityEncoder {
  readonly dim: number;
  readonly numExtraTokens = 0;
  readonly localEncoder: ConvFeatureExtractor;
  readonly projectFeatures: FeatureProjection;
  readonly positionalEncoder: PositionalConv;
  readonly alibi: AlibiBias;
  readonly contextEncoder: V2ContextEncoder;

  constructor(readonly config: AudioEncoderV2Config, rng: Rng) {
    super();
    this.dim = config.dim;
    this.localEncoder = this.addChild('local_encoder', new ConvFeatureExtractor(config.convLayers, false, rng));
    this.projectFeatures = this.addChild('project_features', new FeatureProjection(this.localEncoder.channels, config.dim, config.eps, rng));
    this.positionalEncoder = this.addChild('relative_positional_encoder', new PositionalConv(config.dim, config.posConv, rng));
    this.alibi = this.addChild('alibi', new AlibiBias(config.heads, { learnedScale: config.learnedAlibiScale }));
    this.contextEncoder = this.addChild('context_encoder', new V2ContextEncoder(
      { norm: true, dropout: config.prenetDropout, depth: config.prenetDepth, layerdrop: config.prenetLayerdrop },
      audioV2BlockConfig(config), rng,
    ));
    if (this.contextEncoder.blocks) initBertLinears(this.contextEncoder.blocks, rng);
  }

  /** Frames the CNN produces for `samples` samples (fairseq `_get_feat_extract_output_lengths`). */
  outputLength(samples: number): number {
    return this.localEncoder.outputLength(samples);
  }

  /** waveform [B, L] (normalised per utterance) → projected CNN features [B, T, D]. */
  localFeatures(waveform: tf.Tensor): tf.Tensor {
    return this.projectFeatures.forward(this.localEncoder.forward(waveform));
  }

  contextualize(local: tf.Tensor, inputs: { mask?: MaskInfo; padMask?: tf.Tensor } = {}): ContextOutput {
    if (inputs.padMask) {
      throw new Error('the speech encoder takes unpadded batches; crop every clip to the shortest one (collateAudio) or encode clips one at a time.');
    }
    const { mask } = inputs;
    if (!mask) {
      const x = tf.add(local, this.positionalEncoder.forward(local));
      const bias = this.alibi.forward(local.shape[1] as number);
      return { x: this.contextEncoder.forward(x, { bias }), bias };
    }
    // Zero the masked frames of every clone, run the positional conv over the full
    // zero-filled sequence, and add its output at the kept frames to the kept features.
    const zeroed = tf.mul(repeatInterleave(local, mask.clones), tf.sub(1, mask.mask).expandDims(-1));
    const pos = this.positionalEncoder.forward(zeroed);
    const kept = tf.add(gatherTokens(local, mask.sourceKeepIndex, mask.rows), gatherTokens(pos, mask.keepIndex));
    const bias = maskedAlibiBias(this.alibi, mask);
    return { x: this.contextEncoder.forward(kept, { bias }), bias };
  }
}

/** The speech backbone: this modality encoder + `depth` post-LN main blocks (N(0, 0.02) linears). */
export function audioBackboneV2(config: AudioEncoderV2Config, rng: Rng): V2Backbone<AudioEncoderV2> {
  const backbone = new V2Backbone(new AudioEncoderV2(config, rng), audioV2BlockConfig(config), config.depth, rng);
  initBertLinears(backbone.blocks, rng);
  return backbone;
}
