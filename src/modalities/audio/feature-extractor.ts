/**
 * The wav2vec 2.0 feature CNN as data2vec uses it (spec §1.2; fairseq
 * `ConvFeatureExtractionModel` in `fairseq/models/wav2vec/wav2vec2.py` with
 * `mode="layer_norm"`; HF `Data2VecAudioFeatureEncoder`): per layer, a Conv1d
 * without bias (kaiming-normal init) → Dropout(0) → LayerNorm over channels with
 * affine → GELU. The default stack `(512,10,5) + (512,3,2)×4 + (512,2,2)×2` has a
 * total stride of 320 samples (20 ms at 16 kHz) and a receptive field of 400
 * samples (25 ms), so 16000 samples give 49 frames and 320000 give 999
 * (`_get_feat_extract_output_lengths`).
 *
 * Parameter names follow HF: `conv_layers.<i>.conv.weight`,
 * `conv_layers.<i>.layer_norm.{weight,bias}` (the conv weight is stored
 * [kernel, in, out]; PyTorch's is [out, in, kernel]).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { Conv1d } from '../../nn/conv1d';
import { convOutputLength } from '../../nn/conv-frames';
import { LayerNorm } from '../../nn/layer-norm';
import { gelu } from '../../nn/activations';
import { Rng } from '../../util/rng';

/** One CNN layer as fairseq's `conv_feature_layers` writes it: [channels, kernel, stride]. */
export type ConvLayerSpec = [channels: number, kernel: number, stride: number];

/** fairseq's default `conv_feature_layers`: `[(512,10,5)] + [(512,3,2)]*4 + [(512,2,2)]*2` (spec §1.2). */
export const WAV2VEC2_CONV_LAYERS: readonly ConvLayerSpec[] = Object.freeze([
  [512, 10, 5], [512, 3, 2], [512, 3, 2], [512, 3, 2], [512, 3, 2], [512, 2, 2], [512, 2, 2],
] as ConvLayerSpec[]);

/** The same kernels and strides with `channels` channels per layer (smaller presets keep the 20 ms frame geometry). */
export function convLayersWithChannels(channels: number, layers: readonly ConvLayerSpec[] = WAV2VEC2_CONV_LAYERS): ConvLayerSpec[] {
  return layers.map(([, k, s]) => [channels, k, s]);
}

/**
 * Frames out of the CNN for `samples` samples in: L ← ⌊(L − k)/s⌋ + 1 per layer
 * (fairseq `_get_feat_extract_output_lengths`), 0 when the input is shorter
 * than the receptive field.
 */
export function featureExtractOutputLength(samples: number, layers: readonly ConvLayerSpec[] = WAV2VEC2_CONV_LAYERS): number {
  let length = samples;
  for (const [, k, s] of layers) length = convOutputLength(length, k, s);
  return length;
}

/** Samples seen by one output frame: 1 + Σ (k_i − 1)·Π_{j<i} s_j (400 for the default stack). */
export function receptiveField(layers: readonly ConvLayerSpec[] = WAV2VEC2_CONV_LAYERS): number {
  let field = 1;
  let jump = 1;
  for (const [, k, s] of layers) {
    field += (k - 1) * jump;
    jump *= s;
  }
  return field;
}

/** Samples between consecutive frames: Π s_i (320 for the default stack). */
export function totalStride(layers: readonly ConvLayerSpec[] = WAV2VEC2_CONV_LAYERS): number {
  return layers.reduce((p, [, , s]) => p * s, 1);
}

/** One layer: Conv1d (no bias by default) → LayerNorm over channels (affine) → GELU. */
export class ConvFeatureLayer extends Module {
  readonly conv: Conv1d;
  readonly layerNorm: LayerNorm;

  constructor(inChannels: number, [channels, kernel, stride]: ConvLayerSpec, bias: boolean, rng: Rng) {
    super();
    this.conv = this.addChild('conv', new Conv1d(inChannels, channels, kernel, rng, { stride, bias, init: { kind: 'kaimingNormal' } }));
    this.layerNorm = this.addChild('layer_norm', new LayerNorm(channels, { eps: 1e-5 }));
  }

  /** [B, L, C_in] → [B, T, C]. */
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(this.layerNorm.forward(this.conv.forward(x)));
  }
}

/** The feature CNN: waveform [B, L] → frames [B, T, C_last]. */
export class ConvFeatureExtractor extends Module {
  readonly layers: ConvFeatureLayer[] = [];

  /** @param convBias fairseq `conv_bias` (False in data2vec). */
  constructor(readonly spec: readonly ConvLayerSpec[], convBias: boolean, rng: Rng) {
    super();
    if (spec.length === 0) throw new Error('the feature CNN needs at least one layer; give conv layers as [channels, kernel, stride].');
    let inChannels = 1;
    spec.forEach((layer, i) => {
      this.layers.push(this.addChild(`conv_layers.${i}`, new ConvFeatureLayer(inChannels, layer, convBias, rng)));
      inChannels = layer[0];
    });
  }

  /** Output channels. */
  get channels(): number {
    return this.spec[this.spec.length - 1][0];
  }

  /** Frames out for `samples` samples in. */
  outputLength(samples: number): number {
    return featureExtractOutputLength(samples, this.spec);
  }

  /** waveform [B, L] (normalised per utterance) → [B, T, C]. */
  forward(waveform: tf.Tensor): tf.Tensor {
    if (waveform.rank !== 2) throw new Error(`the feature CNN expects waveforms [batch, samples], got shape [${waveform.shape}].`);
    const [b, l] = waveform.shape as [number, number];
    const field = receptiveField(this.spec);
    if (this.outputLength(l) < 1) throw new Error(`waveforms of ${l} samples are shorter than the CNN's receptive field (${field} samples); use clips of at least ${field} samples.`);
    let x: tf.Tensor = waveform.reshape([b, l, 1]);
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }
}
