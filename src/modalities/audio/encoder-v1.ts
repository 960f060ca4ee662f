/**
 * The data2vec 1.0 speech encoder (spec §1.2, §2.5, trap 8; fairseq
 * `Data2VecAudioModel` + wav2vec 2.0 `TransformerEncoder`; HF `Data2VecAudioModel`):
 *
 *   waveform → feature CNN → LayerNorm(C) → Linear(C → D) (`post_extract_proj`)
 *   → masked frames replaced by the learned `mask_emb` ~ U[0,1) (student only)
 *   → x + pos_conv(x) (5 grouped convs) → LayerNorm → dropout
 *   → post-LN transformer blocks with layerdrop (no final norm).
 *
 * The mask embedding goes in BEFORE the positional conv, so the conv, the LN and
 * every block see it; the teacher is called without a mask and sees the
 * unmasked projected features. Inits follow the reference: kaiming normal for the
 * CNN, PyTorch defaults for the projection and the positional convs, N(0, 0.02)
 * for the transformer (`init_bert_params`).
 *
 * Parameter names follow HF where the pieces are ours: `feature_extractor.*`,
 * `feature_projection.{layer_norm,projection}.*`, `masked_spec_embed.weight`,
 * `encoder.pos_conv_embed.*`, `encoder.layer_norm.*`; the blocks are
 * `encoder.layers.<i>.*` with this library's block names.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { LayerNorm } from '../../nn/layer-norm';
import { Linear } from '../../nn/linear';
import { MaskToken } from '../../nn/mask-token';
import { Dropout } from '../../nn/dropout';
import { TransformerEncoder } from '../../nn/transformer-encoder';
import { EncoderInputs, EncoderResult, MaskedEncoder } from '../../data2vec/encoder-contract';
import { Rng } from '../../util/rng';
import { BlockOutput } from '../../nn/transformer-block';
import { ConvFeatureExtractor, ConvLayerSpec } from './feature-extractor';
import { PositionalConv, PositionalConvOptions } from './positional-conv';

/** Architecture of {@link AudioEncoderV1}; field comments give the fairseq name and the v1 base value. */
export interface AudioEncoderV1Config {
  /** `conv_feature_layers`: [channels, kernel, stride] per CNN layer; base `[(512,10,5)] + [(512,3,2)]*4 + [(512,2,2)]*2`. */
  convLayers: ConvLayerSpec[];
  /** `conv_bias`: false. */
  convBias: boolean;
  /** `encoder_embed_dim` D: 768. */
  dim: number;
  /** `encoder_layers`: 12. */
  depth: number;
  /** `encoder_attention_heads`: 12. */
  heads: number;
  /** `encoder_ffn_embed_dim`: 3072. */
  ffnDim: number;
  /** `conv_pos` 95, `pos_conv_depth` 5, `conv_pos_groups` 16. */
  posConv: PositionalConvOptions;
  /** `dropout` (after the encoder LN, on attention and FFN outputs): 0.1. */
  dropout: number;
  /** `attention_dropout`: 0.1. */
  attnDropout: number;
  /** `activation_dropout`: 0. */
  activationDropout: number;
  /** `encoder_layerdrop`: 0.05. */
  layerdrop: number;
  /** `dropout_input` (on the projected features, before masking): 0. */
  dropoutInput: number;
  /** LayerNorm eps: 1e-5. */
  eps: number;
}

/** PyTorch's default `nn.Linear` init, U(±1/√fan_in) for weight and bias (fairseq `post_extract_proj`). */
function torchLinearInit(fanIn: number): { init: { kind: 'uniform'; lo: number; hi: number }; biasInit: { kind: 'uniform'; lo: number; hi: number } } {
  const b = 1 / Math.sqrt(fanIn);
  return { init: { kind: 'uniform', lo: -b, hi: b }, biasInit: { kind: 'uniform', lo: -b, hi: b } };
}

/** The projection from CNN channels to the model width: LayerNorm(C) → Linear(C → D) (HF `feature_projection`). */
export class FeatureProjection extends Module {
  readonly layerNorm: LayerNorm;
  readonly projection: Linear;

  constructor(channels: number, dim: number, eps: number, rng: Rng) {
    super();
    this.layerNorm = this.addChild('layer_norm', new LayerNorm(channels, { eps }));
    this.projection = this.addChild('projection', new Linear(channels, dim, rng, torchLinearInit(channels)));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.projection.forward(this.layerNorm.forward(x));
  }
}

/** Every stage of the speech encoder (HF `extract_features`, `hidden_states`). */
export interface AudioEncoderStates {
  /** CNN features after the projection's LayerNorm, before the projection [B, T, C] (HF `extract_features`). */
  extractFeatures?: tf.Tensor;
  /** The input to the first block (after pos conv, LayerNorm, dropout), then each block's output: depth + 1 tensors [B, T, D]. */
  hidden: tf.Tensor[];
  layers: BlockOutput[];
}

/** What the EMA teacher shares with (copies from) the student in data2vec 1.0 speech (spec §4.2, `ema_layers_only`). */
export const AUDIO_V1_SHARED_PREFIXES: readonly string[] = Object.freeze([
  'feature_extractor', 'feature_projection', 'masked_spec_embed', 'encoder.pos_conv_embed',
]);

/** The speech encoder as data2vec 1.0 student and teacher (see the file header). */
export class AudioEncoderV1 extends Module implements MaskedEncoder {
  readonly dim: number;
  readonly depth: number;
  readonly featureExtractor: ConvFeatureExtractor;
  readonly featureProjection: FeatureProjection;
  readonly maskEmb: MaskToken;
  readonly posConv: PositionalConv;
  readonly layerNorm: LayerNorm;
  readonly blocks: TransformerEncoder;
  private readonly dropoutInput: Dropout;
  private readonly dropout: Dropout;

  constructor(readonly config: AudioEncoderV1Config, rng: Rng) {
    super();
    this.dim = config.dim;
    this.depth = config.depth;
    this.featureExtractor = this.addChild('feature_extractor', new ConvFeatureExtractor(config.convLayers, config.convBias, rng));
    this.featureProjection = this.addChild('feature_projection', new FeatureProjection(this.featureExtractor.channels, config.dim, config.eps, rng));
    this.maskEmb = this.addChild('masked_spec_embed', new MaskToken(config.dim, rng, { kind: 'uniform', lo: 0, hi: 1 }, 'weight'));
    this.posConv = this.addChild('encoder.pos_conv_embed', new PositionalConv(config.dim, config.posConv, rng));
    this.layerNorm = this.addChild('encoder.layer_norm', new LayerNorm(config.dim, { eps: config.eps }));
    this.blocks = this.addChild('encoder', new TransformerEncoder({
      depth: config.depth, dim: config.dim, heads: config.heads, mlpRatio: config.ffnDim / config.dim, norm: 'post',
      eps: config.eps, qkvBias: 'all', dropout: config.dropout, attnDropout: config.attnDropout,
      activationDropout: config.activationDropout, layerdrop: config.layerdrop, init: { kind: 'normal', std: 0.02 },
    }, rng));
    this.dropoutInput = this.addChild('dropout_input', new Dropout(config.dropoutInput, rng.fork()));
    this.dropout = this.addChild('encoder.dropout', new Dropout(config.dropout, rng.fork()));
  }

  /** Frames the encoder produces for `samples` samples (fairseq `_get_feat_extract_output_lengths`). */
  outputLength(samples: number): number {
    return this.featureExtractor.outputLength(samples);
  }

  /**
   * Projected CNN features [B, T, D] before masking (fairseq `pre_encoder_features`);
   * `onExtract` receives the features after the projection's LayerNorm (HF `extract_features`).
   */
  localFeatures(waveform: tf.Tensor, onExtract?: (extractFeatures: tf.Tensor) => void): tf.Tensor {
    const extract = this.featureProjection.layerNorm.forward(this.featureExtractor.forward(waveform));
    onExtract?.(extract);
    return this.featureProjection.projection.forward(extract);
  }

  /**
   * waveform [B, L] (normalised per utterance, no padding); `mask` [B, T] (T =
   * `outputLength(L)`) replaces masked frames by the mask embedding.
   */
  forward(waveform: tf.Tensor, inputs: EncoderInputs = {}): EncoderResult {
    const s = this.forwardStates(waveform, inputs);
    return { out: s.hidden[s.hidden.length - 1], layers: s.layers };
  }

  /** The forward pass with every stage (see {@link AudioEncoderStates}); same inputs as `forward`. */
  forwardStates(waveform: tf.Tensor, inputs: EncoderInputs = {}): AudioEncoderStates {
    if (inputs.padMask) {
      throw new Error('the speech encoder takes unpadded batches; crop every clip to the shortest one (collateAudio) or encode clips one at a time.');
    }
    if (inputs.mask) {
      const [b, samples] = waveform.shape as number[];
      const t = this.outputLength(samples);
      if (inputs.mask.rank !== 2 || inputs.mask.shape[0] !== b || inputs.mask.shape[1] !== t) {
        throw new Error(`the mask has shape [${inputs.mask.shape}] but ${samples} samples give [${b}, ${t}] frames; build it with outputLength(samples) frames per row.`);
      }
    }
    let extractFeatures: tf.Tensor | undefined;
    let x = this.dropoutInput.forward(this.localFeatures(waveform, (e) => { extractFeatures = e; }));
    if (inputs.mask) x = this.maskEmb.forward(x, inputs.mask);
    x = tf.add(x, this.posConv.forward(x));
    x = this.dropout.forward(this.layerNorm.forward(x));
    const enc = this.blocks.forward(x);
    return { extractFeatures, hidden: [x, ...enc.layers.map((l) => l.out)], layers: enc.layers };
  }
}
