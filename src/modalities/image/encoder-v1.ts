/**
 * The data2vec 1.0 image encoder, BEiT style (spec §1.3; data2vec_vision
 * `VisionTransformerForCyclicalTraining`): patch embedding → learned mask token at
 * masked patches (before CLS) → CLS prepended → pre-LN blocks with layer scale and
 * one shared relative position bias (no absolute positions by default) → final LN.
 * HF `Data2VecVisionModel` variants are options: one relative position bias table
 * per block (the fine-tuned checkpoints, `layerRelPosBias`) and mean pooling
 * (`meanPooling`: no final LN; the pooled output is LN(mean of the patch tokens)).
 * Init: truncated normal 0.02 and BEiT's `fix_init_weight` (attention output and
 * fc2 weights divided by √(2·layer)).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { PatchEmbed } from '../../nn/patch-embed';
import { MaskToken } from '../../nn/mask-token';
import { RelativePositionBias } from '../../nn/relative-position-bias';
import { TransformerEncoder } from '../../nn/transformer-encoder';
import { LayerNorm } from '../../nn/layer-norm';
import { LearnedPositions } from '../../nn/positions';
import { initTensor } from '../../nn/init';
import { EncoderInputs, EncoderResult, MaskedEncoder } from '../../data2vec/encoder-contract';
import { BlockOutput } from '../../nn/transformer-block';
import { Rng } from '../../util/rng';

export interface ImageEncoderV1Config {
  imageSize: [number, number];
  channels: number;
  patchSize: number;
  dim: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  /** BEiT layer scale init (1e-4 base, 1e-5 large); 0 disables. */
  layerScale: number;
  /** Stochastic depth, rising linearly to this value (0.25 base in the README). */
  dropPath: number;
  attnDropout: number;
  /** One shared relative position bias for all blocks (pretraining default). */
  sharedRelPosBias: boolean;
  /** Learned absolute positions (off in data2vec_vision pretraining). */
  absPosEmbed: boolean;
  /** LayerNorm eps (1e-6 in BEiT). */
  eps: number;
  /** One relative position bias table per block (HF `use_relative_position_bias`; BEiT fine-tuning). Default false. */
  layerRelPosBias?: boolean;
  /**
   * HF `use_mean_pooling`: no final LayerNorm on the tokens; the pooled output is
   * LN(mean of the patch tokens) (`pooler.layernorm`). Default false (final LN, pooled = CLS).
   */
  meanPooling?: boolean;
}

/** Every stage's tokens with the CLS token kept (HF `hidden_states`, `last_hidden_state`, `pooler_output`). */
export interface ImageEncoderStates {
  /** The embeddings, then each block's output: depth + 1 tensors [B, 1+N, D]. */
  hidden: tf.Tensor[];
  /** Tokens after the final LN (the last block's output with mean pooling) [B, 1+N, D]. */
  last: tf.Tensor;
  /** CLS after the final LN, or LN(mean of patch tokens) with mean pooling [B, D]. */
  pooled: tf.Tensor;
  /** Each block's FFN and end-of-block outputs, with CLS. */
  layers: BlockOutput[];
}

/** Drop the first (CLS) token: [B, 1+N, D] → [B, N, D]. */
function dropCls(x: tf.Tensor): tf.Tensor {
  const [b, t, d] = x.shape;
  return x.slice([0, 1, 0], [b, t - 1, d]);
}

export class ImageEncoderV1 extends Module implements MaskedEncoder {
  readonly dim: number;
  readonly depth: number;
  readonly patchEmbed: PatchEmbed;
  readonly clsToken: tf.Variable;
  readonly maskToken: MaskToken;
  readonly posEmbed: LearnedPositions | undefined;
  readonly relPosBias: RelativePositionBias | undefined;
  readonly layerRelPosBias: RelativePositionBias[] = [];
  readonly blocks: TransformerEncoder;
  /** Final LayerNorm on every token (absent with mean pooling). */
  readonly norm: LayerNorm | undefined;
  /** LayerNorm of the mean-pooled patch tokens (mean pooling only). */
  readonly poolerNorm: LayerNorm | undefined;

  constructor(readonly config: ImageEncoderV1Config, rng: Rng) {
    super();
    this.dim = config.dim;
    this.depth = config.depth;
    this.patchEmbed = this.addChild('patch_embed', new PatchEmbed({
      imageSize: config.imageSize, patchSize: config.patchSize, channels: config.channels, dim: config.dim,
      init: { kind: 'truncNormal', std: 0.02 },
    }, rng));
    this.clsToken = this.addParam('cls_token', initTensor([1, 1, config.dim], { kind: 'truncNormal', std: 0.02 }, rng), { weightDecay: false });
    this.maskToken = this.addChild('mask_token', new MaskToken(config.dim, rng, { kind: 'truncNormal', std: 0.02 }, 'weight'));
    if (config.absPosEmbed) {
      this.posEmbed = this.addChild('pos_embed', new LearnedPositions(this.patchEmbed.numPatches + 1, config.dim, rng, { kind: 'truncNormal', std: 0.02 }));
    }
    if (config.sharedRelPosBias) {
      const [gh, gw] = this.patchEmbed.grid;
      this.relPosBias = this.addChild('rel_pos_bias', new RelativePositionBias(gh, gw, config.heads));
    }
    this.blocks = this.addChild('blocks', new TransformerEncoder({
      depth: config.depth, dim: config.dim, heads: config.heads, mlpRatio: config.mlpRatio, norm: 'pre',
      eps: config.eps, qkvBias: 'qv', layerScale: config.layerScale > 0 ? config.layerScale : undefined,
      dropPath: config.dropPath, attnDropout: config.attnDropout, init: { kind: 'truncNormal', std: 0.02 },
    }, rng));
    if (config.layerRelPosBias) {
      const [gh, gw] = this.patchEmbed.grid;
      for (let i = 0; i < config.depth; i++) {
        this.layerRelPosBias.push(this.addChild(`layer_rel_pos_bias.${i}`, new RelativePositionBias(gh, gw, config.heads)));
      }
    }
    if (config.meanPooling) this.poolerNorm = this.addChild('pooler_norm', new LayerNorm(config.dim, { eps: config.eps }));
    else this.norm = this.addChild('norm', new LayerNorm(config.dim, { eps: config.eps }));
    this.fixInitWeight();
  }

  /** BEiT `fix_init_weight`: rescale each block's output projections by 1/√(2·layer). */
  private fixInitWeight(): void {
    this.blocks.blocks.forEach((block, i) => {
      const s = 1 / Math.sqrt(2 * (i + 1));
      tf.tidy(() => {
        block.attn.outProj.weight.assign(tf.mul(block.attn.outProj.weight, s));
        block.mlp.fc2.weight.assign(tf.mul(block.mlp.fc2.weight, s));
      });
    });
  }

  /** Patch grid [rows, cols]. */
  get grid(): [number, number] {
    return this.patchEmbed.grid;
  }

  /** images [B, H, W, C] (normalised); `mask` [B, patches] replaces patches by the mask token. */
  forward(images: tf.Tensor, inputs: EncoderInputs = {}): EncoderResult {
    const [b] = images.shape as number[];
    const s = this.forwardStates(images, inputs);
    const layers: BlockOutput[] = s.layers.map((l) => ({ out: dropCls(l.out), ffn: dropCls(l.ffn) }));
    return { out: dropCls(s.last), cls: s.last.slice([0, 0, 0], [b, 1, this.dim]).reshape([b, this.dim]), layers };
  }

  /** The forward pass with every stage's tokens, CLS kept (see {@link ImageEncoderStates}). */
  forwardStates(images: tf.Tensor, inputs: EncoderInputs = {}): ImageEncoderStates {
    const [b] = images.shape as number[];
    let x = this.patchEmbed.forward(images);
    if (inputs.mask) x = this.maskToken.forward(x, inputs.mask);
    x = tf.concat([tf.tile(this.clsToken, [b, 1, 1]), x], 1);
    if (this.posEmbed) x = tf.add(x, this.posEmbed.forward((x.shape as number[])[1]));
    const bias = this.relPosBias?.forward();
    const layerBiases = this.layerRelPosBias.length > 0 ? this.layerRelPosBias.map((r) => r.forward()) : undefined;
    const enc = this.blocks.forward(x, { bias, layerBiases });
    const hidden = [x, ...enc.layers.map((l) => l.out)];
    if (this.norm) {
      const last = this.norm.forward(enc.out);
      return { hidden, last, pooled: last.slice([0, 0, 0], [b, 1, this.dim]).reshape([b, this.dim]), layers: enc.layers };
    }
    const pooled = (this.poolerNorm as LayerNorm).forward(tf.mean(dropCls(enc.out), 1));
    return { hidden, last: enc.out, pooled, layers: enc.layers };
  }
}
