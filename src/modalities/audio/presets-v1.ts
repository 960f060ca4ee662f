/**
 * data2vec 1.0 speech presets (spec §1.2, §2.1, §3.2, §4, §5.1, §6; fairseq
 * `examples/data2vec/config/audio/pretraining/base_librispeech.yaml`).
 *
 * `base` is the paper's model and recipe: the 512-channel wav2vec 2.0 CNN, D 768,
 * 12 post-LN blocks (12 heads, FFN 3072), dropout 0.1, attention dropout 0.1,
 * layerdrop 0.05, span masks (p 0.65, length 10), instance-normed average of the
 * top 8 FFN outputs, L2 loss × 1/√D, `final_proj`, τ 0.999 → 0.9999 over 30k
 * updates with the feature CNN, LN, projection and positional conv shared,
 * Adam (0.9, 0.98) ε 1e-6 (fairseq form) wd 0.01, tri-stage 3/90/7 % at 5e-4,
 * 400k updates, no clipping. It is meant for a GPU host with a speech corpus
 * (`--data DIR`). `small` is in between: 256 channels, D 384, 8 blocks of 6
 * heads, top 5 of 8. As in fairseq v1, every preset decays every parameter,
 * biases and norms included (`decayAll`, trap 18).
 *
 * `tiny` runs in about 4 minutes of CPU time on the bundled spoken digits
 * (single words of 0.2–0.9 s, 10–43 frames) and keeps the reference recipe
 * (masking, targets, loss, optimizer, LR 5e-4, tri-stage 3/90/7 %) except for
 * what the scale forces:
 * - 64 CNN channels, D 64, 4 blocks of 4 heads (FFN 256), no layerdrop (one
 *   dropped block would be a quarter of the network); kernels, strides and the
 *   positional conv (k 19, 16 groups) are unchanged, so frames stay 20 ms;
 * - the top 3 of 4 layers as targets (the paper's 8 of 12, rounded);
 * - τ 0.99 → 0.999 over the whole run: in 200 updates a teacher at τ ≥ 0.999
 *   would hardly move from its random init;
 * - 200 updates of 16 clips (measured: 236 s of CPU, 9.4 samples/s on wasm).
 *   Measured probe on the 12 held-out voices (`data2vec probe`: L2 chosen on
 *   validation, the means of 3 time segments of the final outputs): 63.3 %
 *   linear against 58.3 % for the same encoder at random init; every block
 *   scores 62.5–63.3 % (random: 57.5–58.3 %). One mean over the whole clip
 *   reads 44.2 % against 40.8 %: the targets are instance-normed over time,
 *   so each channel's clip mean carries no target signal: training shrinks the
 *   spread of those means across clips 2.7× (0.188 → 0.070), that of the
 *   segment means only 1.6× (0.301 → 0.185); see README "What pretraining adds".
 *   On these short words the paper's spans mask 49 % of the frames
 *   on average, but 80–90 % of a 10–12-frame word and about 35 % of a 40-frame
 *   one (one span of 10 frames is the minimum, and rows are cut to the batch's
 *   smallest count); `--set masking.maskLength=5` masks about 37 % throughout.
 */
import { AudioEncoderV1Config, AUDIO_V1_SHARED_PREFIXES } from './encoder-v1';
import { ConvLayerSpec, convLayersWithChannels, WAV2VEC2_CONV_LAYERS } from './feature-extractor';
import { AudioBatching } from './length-batches';
import { SPAN_MASK_1D_DEFAULTS, SpanMask1dOptions } from '../../masking/span-mask-1d';
import { Data2VecV1Config } from '../../data2vec/data2vec-v1';
import { TrainerConfig } from '../../train/trainer';
import { triStagePhases } from '../../train/schedules';
import { BaseRunConfig } from '../../run/recipe';

/** How clips are loaded and batched. */
export interface AudioDataConfig {
  /** Shortest clip kept, in samples (`loadAudioDataset` `minSamples`). */
  minSamples: number;
  /** Longest clip kept, in samples (`maxSamples`). */
  maxSamples: number;
  /** Crop cap of a batch in samples (fairseq `max_sample_size`, 320000). */
  maxSampleSize: number;
  /** `'by-length'` (fairseq's size-ordered batches) or `'random'`. */
  batching: AudioBatching;
}

/** A full speech data2vec 1.0 run config. */
export interface AudioV1Config extends BaseRunConfig {
  modality: 'audio';
  algo: 'v1';
  audio: AudioDataConfig;
  model: AudioEncoderV1Config;
  /** Span masking (`compute_mask_indices` arguments, spec §2.1). */
  masking: Omit<SpanMask1dOptions, 'validLengths'>;
  data2vec: Data2VecV1Config;
}

function encoder(convLayers: ConvLayerSpec[], dim: number, depth: number, heads: number, layerdrop: number): AudioEncoderV1Config {
  return {
    convLayers, convBias: false, dim, depth, heads, ffnDim: 4 * dim,
    posConv: { width: 95, depth: 5, groups: 16 },
    dropout: 0.1, attnDropout: 0.1, activationDropout: 0, layerdrop, dropoutInput: 0, eps: 1e-5,
  };
}

function data2vec(topK: number, tau: [number, number], annealUpdates: number): Data2VecV1Config {
  return {
    targets: { topK, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'none' },
    loss: { beta: 0, reduction: 'sum', scale: 'invSqrtDim' },
    ema: { tauStart: tau[0], tauEnd: tau[1], annealUpdates, shared: [...AUDIO_V1_SHARED_PREFIXES] },
    headLayers: 1,
  };
}

function trainer(updates: number, batchSize: number, accumulation: number, peakLr: number, phases: [number, number, number], shortRun: boolean): TrainerConfig {
  return {
    updates,
    batchSize,
    accumulation,
    optimizer: { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, epsStyle: 'fairseq' },
    // fairseq v1 speech and text decay every parameter, biases and norms included (spec trap 18)
    decayAll: true,
    schedule: { kind: 'tri_stage', peakLr, ...triStagePhases(updates, phases) },
    clipNorm: 0,
    seed: 0,
    checkpointEvery: Math.max(50, Math.round(updates / 10)),
    collapse: { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: shortRun ? Math.min(5000, Math.round(updates / 2)) : 5000 },
  };
}

/** fairseq LibriSpeech settings: clips under 2 s dropped, none dropped for length (an hour is the cap here), batches cropped at 20 s. */
const SPEECH_CORPUS: AudioDataConfig = { minSamples: 32000, maxSamples: 3600 * 16000, maxSampleSize: 320000, batching: 'by-length' };
const PAPER_MASKING = { ...SPAN_MASK_1D_DEFAULTS };

/** Speech data2vec 1.0 presets by name. */
export const AUDIO_V1_PRESETS: Record<string, () => AudioV1Config> = {
  tiny: () => ({
    modality: 'audio', algo: 'v1', preset: 'tiny', seed: 0,
    audio: { minSamples: 3200, maxSamples: 32000, maxSampleSize: 320000, batching: 'by-length' },
    model: encoder(convLayersWithChannels(64), 64, 4, 4, 0),
    masking: PAPER_MASKING,
    data2vec: data2vec(3, [0.99, 0.999], 200),
    trainer: trainer(200, 16, 1, 5e-4, [0.03, 0.9, 0.07], true),
  }),
  small: () => ({
    modality: 'audio', algo: 'v1', preset: 'small', seed: 0,
    audio: SPEECH_CORPUS,
    model: encoder(convLayersWithChannels(256), 384, 8, 6, 0.05),
    masking: PAPER_MASKING,
    data2vec: data2vec(5, [0.999, 0.9999], 30_000),
    trainer: trainer(100_000, 16, 4, 5e-4, [0.03, 0.9, 0.07], false),
  }),
  base: () => ({
    modality: 'audio', algo: 'v1', preset: 'base', seed: 0,
    audio: SPEECH_CORPUS,
    model: encoder(WAV2VEC2_CONV_LAYERS.map((l) => [...l] as ConvLayerSpec), 768, 12, 12, 0.05),
    masking: PAPER_MASKING,
    data2vec: data2vec(8, [0.999, 0.9999], 30_000),
    trainer: trainer(400_000, 16, 16, 5e-4, [0.03, 0.9, 0.07], false),
  }),
};
