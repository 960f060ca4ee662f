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
 *   segment means only 1.6× (0.301 → 0.185); see docs/results.md, "What pretraining adds".
 *   On these short words the paper's spans mask 49 % of the frames
 *   on average, but 80–90 % of a 10–12-frame word and about 35 % of a 40-frame
 *   one (one span of 10 frames is the minimum, and rows are cut to the batch's
 *   smallest count); `--set masking.maskLength=5` masks about 37 % throughout.
 */
import { AudioEncoderV1Config, AUDIO_V1_SHARED_PREFIXES } from './encoder-v1';
import { ConvLayerSpec, convLayersWithChannels, WAV2VEC2_CONV_LAYERS } from './feature-extractor';
import { AudioBatching } from './length-batches';
import { DEFAULT_LOADER, LoaderConfig } from '../../data/streamed-source';
import { SPAN_MASK_1D_DEFAULTS, SpanMask1dOptions } from '../../masking/span-mask-1d';
import { Data2VecV1Config } from '../../data2vec/data2vec-v1';
import { BaseRunConfig } from '../recipe';
import { variant } from '../preset-variant';
import { resolveRunFractions } from '../run-fractions';

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
  /** Resample streamed files at other rates to 16 kHz instead of refusing them (`--resample`). */
  resample?: boolean;
}

/** A full speech data2vec 1.0 run config. */
export interface AudioV1Config extends BaseRunConfig {
  modality: 'audio';
  algo: 'v1';
  audio: AudioDataConfig;
  /** How a streamed corpus (`--data` FLAC/WAV folder or `.tar` shards) is read. */
  loader?: LoaderConfig;
  model: AudioEncoderV1Config;
  /** Span masking (`compute_mask_indices` arguments, spec §2.1). */
  masking: Omit<SpanMask1dOptions, 'validLengths'>;
  data2vec: Data2VecV1Config;
}

/** fairseq LibriSpeech settings: clips under 2 s dropped, none dropped for length (an hour is the cap here), batches cropped at 20 s. */
export const LIBRISPEECH_AUDIO: AudioDataConfig = { minSamples: 32000, maxSamples: 3600 * 16000, maxSampleSize: 320000, batching: 'by-length', resample: false };

/** `base`: the paper's model and recipe (`base_librispeech.yaml`). */
const base = (): AudioV1Config => ({
  modality: 'audio', algo: 'v1', preset: 'base', seed: 0,
  audio: LIBRISPEECH_AUDIO,
  loader: { ...DEFAULT_LOADER },
  model: {
    convLayers: WAV2VEC2_CONV_LAYERS.map((l) => [...l] as ConvLayerSpec), convBias: false, dim: 768, depth: 12, heads: 12, ffnDim: 4 * 768,
    posConv: { width: 95, depth: 5, groups: 16 },
    dropout: 0.1, attnDropout: 0.1, activationDropout: 0, layerdrop: 0.05, dropoutInput: 0, eps: 1e-5,
  },
  masking: { ...SPAN_MASK_1D_DEFAULTS },
  data2vec: {
    targets: { topK: 8, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'none' },
    loss: { beta: 0, reduction: 'sum', scale: 'invSqrtDim' },
    ema: { tauStart: 0.999, tauEnd: 0.9999, annealUpdates: 0, shared: [...AUDIO_V1_SHARED_PREFIXES] },
    headLayers: 1,
  },
  // tri-stage 3/90/7 %, τ annealed over 30k of 400k updates, the collapse guard from update 5000
  fractions: { warmup: 0.03, hold: 0.9, emaEnd: 0.075, checkpointEvery: 0.1, collapseAfter: 0.0125 },
  trainer: {
    updates: 400_000,
    batchSize: 16,
    accumulation: 16,
    optimizer: { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, epsStyle: 'fairseq' },
    // fairseq v1 speech and text decay every parameter, biases and norms included (spec trap 18)
    decayAll: true,
    schedule: { kind: 'tri_stage', peakLr: 5e-4, warmupUpdates: 0, holdUpdates: 0, decayUpdates: 0 },
    clipNorm: 0,
    seed: 0,
    checkpointEvery: 0,
    collapse: { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: 0 },
  },
});

/** Speech data2vec 1.0 presets by name: `base` and what `small` and `tiny` change (counts resolved from `fractions`). */
export const AUDIO_V1_PRESETS: Record<string, () => AudioV1Config> = {
  tiny: () => resolveRunFractions(variant(base(), {
    preset: 'tiny',
    audio: { minSamples: 3200, maxSamples: 32000 },
    model: { convLayers: convLayersWithChannels(64), dim: 64, depth: 4, heads: 4, ffnDim: 4 * 64, layerdrop: 0 },
    data2vec: { targets: { topK: 3 }, ema: { tauStart: 0.99, tauEnd: 0.999 } },
    fractions: { emaEnd: 1, checkpointEvery: 0.25, collapseAfter: 0.5 },
    trainer: { updates: 200, accumulation: 1 },
  })),
  small: () => resolveRunFractions(variant(base(), {
    preset: 'small',
    model: { convLayers: convLayersWithChannels(256), dim: 384, depth: 8, heads: 6, ffnDim: 4 * 384 },
    data2vec: { targets: { topK: 5 } },
    fractions: { emaEnd: 0.3, collapseAfter: 0.05 },
    trainer: { updates: 100_000, accumulation: 4 },
  })),
  base: () => resolveRunFractions(base()),
};
