/**
 * data2vec 2.0 speech presets (spec §1.1, §1.2 "v2", §2.2, §3.2, §4.1–4.2, §5.2–5.3, §6,
 * trap 18; fairseq `examples/data2vec/config/v2/base_audio_only_task.yaml`).
 *
 * `base` is the reference: the 512-channel wav2vec 2.0 CNN → LN → Linear(512 → 768),
 * conv positional encoder (k 19, 5 layers, 16 groups) and ALiBi with a learned
 * per-head scale, context encoder LN + dropout 0.1 and no prenet blocks, 12 post-LN
 * main blocks of 12 heads (dropouts 0.1, layerdrop 0.05), 8 clones per clip with
 * 1-D block masks (mask_prob 0.5, span 5, adjust 0.05, exactly int(T/2) masked per
 * row), decoder 384 wide × 4 layers (kernel 7, groups 16, residual, Linear(384 → 768),
 * input dropout 0.1, N(0, 0.01) noise at masked slots), targets = instance norm per
 * layer → average of the top 8 blocks' FFN outputs, no final norm, L2 × 1/√D,
 * τ 0.999 → 0.99999 over 75k updates (the teacher shares the CNN and projection and
 * EMAs the positional conv, ALiBi scales and blocks), plain Adam (0.9, 0.98) ε 1e-6
 * with weight decay 0.01 on every parameter (plain `adam` ignores the no-decay
 * overrides, trap 18), cosine at 7.5e-4 with 8000 warm-up updates of 400k, no
 * clipping. A reference batch is 8 GPUs × 1.0M samples ≈ 8.3 min of audio; here that
 * is 8 clips × 5 accumulation steps (about 40 LibriSpeech utterances). `small` is the
 * same recipe at 384 wide (6 heads, 8 blocks, top 5, decoder 192, 256 CNN channels),
 * the same sizes as the v1 small preset. Both are meant for a GPU host with a speech
 * corpus (`--data DIR`; the bundled words are shorter than the 2 s minimum). On wasm,
 * `base` (94 M parameters, plus teacher and Adam state) ran one update at
 * `--accumulation 1` (81 s for 2 clips) but overflowed the wasm heap ("memory access
 * out of bounds") with its default accumulation of 5.
 *
 * `tiny` keeps the model shape of the v1 tiny speech preset (64 CNN channels, D 64,
 * 4 blocks of 4 heads, FFN 256, no layerdrop, the top 3 of 4 layers, τ 0.99 → 0.999
 * over the run) so the two can be compared on the bundled spoken digits, and the
 * reference v2 recipe otherwise: masking (exactly int(T/2) of the 10–43 frames of a
 * word masked), decoder half the model width (32 × 4 layers, kernel 7, groups 4 so
 * each group keeps 8 channels), LR 7.5e-4 with 3 % warm-up, decay on everything.
 * It trains 200 updates of 8 clips × 8 clones (64 student rows of about T/2 frames:
 * the v1 tiny student sees 16 rows of T frames). Measured figures: see
 * {@link AUDIO_V2_PRESETS}.
 */
import { AudioEncoderV2Config, AUDIO_V2_SHARED_PREFIXES } from './encoder-v2';
import { ConvLayerSpec, convLayersWithChannels, WAV2VEC2_CONV_LAYERS } from './feature-extractor';
import { AudioDataConfig, LIBRISPEECH_AUDIO } from './presets-v1';
import { DEFAULT_LOADER, LoaderConfig } from '../../data/streamed-source';
import { BLOCK_MASK_1D_DEFAULTS, BlockMask1dOptions } from '../../masking/block-mask-1d';
import { ConvDecoderConfig } from '../../nn/decoders';
import { Data2VecV2Config } from '../../data2vec/data2vec-v2';
import { BaseRunConfig } from '../recipe';
import { variant } from '../preset-variant';
import { resolveRunFractions } from '../run-fractions';

/** A full speech data2vec 2.0 run config. */
export interface AudioV2Config extends BaseRunConfig {
  modality: 'audio';
  algo: 'v2';
  audio: AudioDataConfig;
  /** How a streamed corpus (`--data` FLAC/WAV folder or `.tar` shards) is read. */
  loader?: LoaderConfig;
  model: AudioEncoderV2Config;
  /** `Decoder1d` (spec §5.3). */
  decoder: ConvDecoderConfig;
  /** `compute_block_mask_1d` arguments (spec §2.2), drawn on each batch's frame count. */
  masking: BlockMask1dOptions;
  data2vec: Data2VecV2Config;
}

/** `base`: fairseq `base_audio_only_task.yaml`. */
const base = (): AudioV2Config => ({
  modality: 'audio', algo: 'v2', preset: 'base', seed: 0,
  audio: LIBRISPEECH_AUDIO,
  loader: { ...DEFAULT_LOADER },
  model: {
    convLayers: WAV2VEC2_CONV_LAYERS.map((l) => [...l] as ConvLayerSpec), dim: 768, heads: 12, mlpRatio: 4, depth: 12, prenetDepth: 0,
    posConv: { width: 95, depth: 5, groups: 16 },
    eps: 1e-5, dropout: 0.1, attnDropout: 0.1, activationDropout: 0, postMlpDropout: 0.1,
    layerdrop: 0.05, prenetDropout: 0.1, prenetLayerdrop: 0.05, learnedAlibiScale: true,
  },
  decoder: { dim: 384, kernel: 7, layers: 4, groups: 16, residual: true, projectionLayers: 1 },
  masking: { ...BLOCK_MASK_1D_DEFAULTS },
  data2vec: {
    clones: 8,
    targets: { topK: 8, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'none' },
    loss: { beta: 0, reduction: 'sum', scale: 'invSqrtDim' },
    ema: { tauStart: 0.999, tauEnd: 0.99999, annealUpdates: 0, shared: [...AUDIO_V2_SHARED_PREFIXES] },
    clsLoss: 0,
    maskNoiseStd: 0.01,
    decoderInputDropout: 0.1,
    teacherInput: 'studentLocal',
  },
  // 8000 warm-up updates and τ annealed over 75k of 400k; the collapse guard from update 5000
  fractions: { warmup: 0.02, emaEnd: 0.1875, checkpointEvery: 0.1, collapseAfter: 0.0125 },
  trainer: {
    updates: 400_000,
    batchSize: 8,
    accumulation: 5,
    optimizer: { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, epsStyle: 'fairseq' },
    // plain fairseq `adam` in base_audio_only_task decays every parameter (spec §6, trap 18)
    decayAll: true,
    schedule: { kind: 'cosine', peakLr: 7.5e-4, warmupUpdates: 0, totalUpdates: 0 },
    clipNorm: 0,
    seed: 0,
    checkpointEvery: 0,
    collapse: { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: 0 },
  },
});

/**
 * Speech data2vec 2.0 presets by name (see the file header).
 *
 * Measured `tiny` (wasm, 2 cores with a load average of 4–8 from other work): 200
 * updates in 259 s of CPU (541 s wall), 3.9 clips/s, loss 2.60 → 0.54, target_var
 * 0.96 and pred_var 0.88 at the end (no collapse). In the same session 30 updates
 * cost 43 s of CPU for v2 tiny against 48 s for v1 tiny (16 clips/update): a v2
 * update costs about 0.9× a v1 update while it predicts 64 masked views instead of
 * 16, so on an unloaded machine (where v1 tiny measured 236 s) v2 tiny takes about
 * 3.5 minutes. Probe on the 12 held-out voices (mean-pooled final outputs): 56.7 %
 * linear / 31.7 % kNN after pretraining against 35.0 % / 30.0 % at random init
 * (v1 tiny: 40.0 % / 29.2 %, random init 42.5 % / 25.8 %).
 */
export const AUDIO_V2_PRESETS: Record<string, () => AudioV2Config> = {
  tiny: () => resolveRunFractions(variant(base(), {
    preset: 'tiny',
    audio: { minSamples: 3200, maxSamples: 32000 },
    model: { convLayers: convLayersWithChannels(64), dim: 64, heads: 4, depth: 4, layerdrop: 0, prenetLayerdrop: 0 },
    decoder: { dim: 32, groups: 4 },
    data2vec: { targets: { topK: 3 }, ema: { tauStart: 0.99, tauEnd: 0.999 } },
    fractions: { warmup: 0.03, emaEnd: 1, checkpointEvery: 0.25, collapseAfter: 0.5 },
    trainer: { updates: 200, accumulation: 1 },
  })),
  small: () => resolveRunFractions(variant(base(), {
    preset: 'small',
    model: { convLayers: convLayersWithChannels(256), dim: 384, heads: 6, depth: 8 },
    decoder: { dim: 192 },
    data2vec: { targets: { topK: 5 } },
  })),
  base: () => resolveRunFractions(base()),
};
