/**
 * The data2vec 2.0 image modality encoder (spec §1.3 "v2", §2.5, trap 20; fairseq
 * `modalities/images.py` `ImageEncoder`): MAE patch embedding (xavier uniform on the
 * flattened weight) → fixed 2-D sin-cos positions added before masking → kept patches
 * gathered per clone (`ids_keep`) → one CLS token, N(0, 1) init, prepended after
 * dropping → context encoder: LN → prenet post-LN blocks. The main blocks, the
 * decoder and the teacher belong to the shared model (`data2vec-v2.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { PatchEmbed } from '../../nn/patch-embed';
import { sincos2d } from '../../nn/positions';
import { initTensor } from '../../nn/init';
import { gatherTokens } from '../../nn/gather-tokens';
import { V2BlockConfig, V2ContextEncoder } from '../../data2vec/v2-context-encoder';
import { ContextOutput, V2Backbone, V2ModalityEncoder } from '../../data2vec/v2-backbone';
import { MaskInfo } from '../../data2vec/v2-mask-info';
import { Rng } from '../../util/rng';

/** Architecture of the v2 image backbone (`D2vImageConfig` + `Data2VecMultiConfig`). */
export interface ImageEncoderV2Config {
  imageSize: [number, number];
  channels: number;
  patchSize: number;
  /** Model width D (`embed_dim`). */
  dim: number;
  heads: number;
  mlpRatio: number;
  /** Modality-specific blocks before the main blocks (`prenet_depth`: 2 in base). */
  prenetDepth: number;
  /** Main blocks, the target providers (`depth`: 10 in base). */
  depth: number;
  /** LayerNorm eps (`norm_eps` 1e-6 for images). */
  eps: number;
  /** `prenet_dropout`, `encoder_dropout`, … (all 0 for image pretraining). */
  dropout: number;
  attnDropout: number;
  layerdrop: number;
}

/** The block settings of a config (shared by prenet and main blocks). */
export function imageV2BlockConfig(c: ImageEncoderV2Config): V2BlockConfig {
  return {
    dim: c.dim, heads: c.heads, mlpRatio: c.mlpRatio, eps: c.eps,
    dropout: c.dropout, attnDropout: c.attnDropout, activationDropout: 0, postMlpDropout: c.dropout, layerdrop: c.layerdrop,
  };
}

export class ImageEncoderV2 extends Module implements V2ModalityEncoder {
  readonly dim: number;
  readonly numExtraTokens = 1;
  readonly localEncoder: PatchEmbed;
  readonly positions: tf.Variable;
  readonly extraTokens: tf.Variable;
  readonly contextEncoder: V2ContextEncoder;

  constructor(readonly config: ImageEncoderV2Config, rng: Rng) {
    super();
    this.dim = config.dim;
    this.localEncoder = this.addChild('local_encoder', new PatchEmbed({
      imageSize: config.imageSize, patchSize: config.patchSize, channels: config.channels, dim: config.dim, init: { kind: 'xavierUniform' },
    }, rng));
    const [gh, gw] = this.localEncoder.grid;
    this.positions = this.addParam('fixed_positional_encoder.positions', tf.tidy(() => sincos2d(gh, gw, config.dim).expandDims(0)), { trainable: false });
    this.extraTokens = this.addParam('extra_tokens', initTensor([1, 1, config.dim], { kind: 'normal', std: 1 }, rng));
    this.contextEncoder = this.addChild('context_encoder', new V2ContextEncoder(
      { norm: true, dropout: config.dropout, depth: config.prenetDepth, layerdrop: config.layerdrop }, imageV2BlockConfig(config), rng,
    ));
  }

  /** Patch grid [rows, cols]. */
  get grid(): [number, number] {
    return this.localEncoder.grid;
  }

  /** images [B, H, W, C] → patch embeddings [B, patches, D]. */
  localFeatures(images: tf.Tensor): tf.Tensor {
    return this.localEncoder.forward(images);
  }

  contextualize(local: tf.Tensor, inputs: { mask?: MaskInfo } = {}): ContextOutput {
    let x = tf.add(local, this.positions);
    // repeat_interleave + gather_unmasked in one gather: row r keeps patches of sample ⌊r/M⌋.
    if (inputs.mask) x = gatherTokens(x, inputs.mask.sourceKeepIndex, inputs.mask.rows);
    const r = x.shape[0];
    x = tf.concat([tf.tile(this.extraTokens, [r, 1, 1]), x], 1);
    return { x: this.contextEncoder.forward(x) };
  }
}

/** The image backbone: this modality encoder + `depth` main blocks. */
export function imageBackboneV2(config: ImageEncoderV2Config, rng: Rng): V2Backbone<ImageEncoderV2> {
  return new V2Backbone(new ImageEncoderV2(config, rng), imageV2BlockConfig(config), config.depth, rng);
}
