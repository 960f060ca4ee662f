/**
 * data2vec 1.0 text presets (spec §1.4, §2.6, §3.2, §4.1–4.2, §5.1, §6; fairseq
 * `examples/data2vec/config/text/pretraining/base.yaml`, P1 §4.3).
 *
 * Every preset keeps the method: RoBERTa-style post-LN encoder, per-layer parameter-free
 * LN targets averaged over the top K FFN outputs (K = 10 of 12 in base, the same share
 * in smaller models), no final norm, smooth L1 β = 4 summed over dims with scale 1,
 * two-layer regression head, EMA τ 0.999 → 0.9999 with token/position embeddings and
 * the embedding LayerNorm shared with the teacher, Adam β (0.9, 0.98), ε 1e-6 (fairseq
 * form), weight decay 0.01, clip 5.
 *
 * - `base`: the paper's main run (P1 §4.3): BERT masking (15 %, 80/10/10), the teacher
 *   sees the whole sentence, tri-stage LR 5/80/15 % to 2e-4 over 1M updates, τ annealed
 *   over **100k** updates (P1; the yaml says 300k, see `base-released`), 256 sequences
 *   of 512 GPT-2 BPE tokens.
 * - `base-released`: what the released config and code run: span masking (0.35, spans
 *   of 4, all `<mask>`), the teacher seeing only the selected tokens (trap 14), cosine
 *   LR with 10k warm-up, τ annealed over **300k** updates.
 * - `small`: 6 layers × 256 on the bundled glosses (8,192-id WordNet BPE).
 * - `tiny`: 4 layers × 128, 4,096-id WordNet BPE, one gloss per row, 64 glosses per
 *   batch, 240 updates: about 4–5 minutes on a 2-core machine on wasm (~0.9 s of CPU
 *   per update). Departures for the short run: τ 0.99 → 0.999 over the run (a few
 *   hundred updates cannot use 0.999 → 0.9999: the teacher would hardly move from its
 *   random init); peak LR 5e-4 with 10 % warm-up (of 5e-4, 1e-3 and 5e-3 tried, the
 *   lowest disturbed the frozen features least at this length).
 * - `tiny-released`: `tiny` with the released code's masking and teacher input.
 *
 * As in fairseq v1 text, weight decay applies to every parameter, biases and LayerNorm
 * parameters included (`decayAll`, trap 18). Where every preset departs from fairseq:
 * the EMA steps once per optimizer update (v1 fairseq steps once per micro-batch, trap 6).
 */
import { BERT_MASK_DEFAULTS, SPAN_TEXT_MASK_DEFAULTS } from '../../masking/mask-tokens';
import { Data2VecV1Config } from '../../data2vec/data2vec-v1';
import { ScheduleSpec } from '../../train/schedules';
import { BaseRunConfig } from '../recipe';
import { variant } from '../preset-variant';
import { resolveRunFractions } from '../run-fractions';
import { TextEncoderV1Config } from './encoder-v1';
import { TokenizerConfig } from './text-data';
import { SequenceConfig } from './text-rows';
import { TeacherInputMode, TextMaskingConfig } from './masked-batch-v1';

export interface TextV1Config extends BaseRunConfig {
  modality: 'text';
  algo: 'v1';
  tokenizer: TokenizerConfig;
  /** How pretraining rows are formed (probing always uses one document per row, up to `maxLength`). */
  sequences: SequenceConfig;
  masking: TextMaskingConfig;
  teacherInput: TeacherInputMode;
  model: TextEncoderV1Config;
  data2vec: Data2VecV1Config;
  /** Documents per batch for feature extraction. */
  evalBatchSize: number;
}

/** Ids of the 4,096-id WordNet BPE, the 8,192-id one, and GPT-2's BPE with the five specials. */
export const TEXT_VOCAB_SIZES = { wordnet4k: 4096, wordnet8k: 8192, gpt2: 50261 } as const;

const BERT_MASKING: TextMaskingConfig = { ...BERT_MASK_DEFAULTS, lossPositions: 'maskReplaced' };
const SPAN_MASKING: TextMaskingConfig = { ...SPAN_TEXT_MASK_DEFAULTS, lossPositions: 'maskReplaced' };

/** `base`: the paper's recipe (P1 §4.3, fairseq `text/pretraining/base.yaml`). */
const base = (): TextV1Config => ({
  modality: 'text', algo: 'v1', preset: 'base', seed: 0,
  tokenizer: { name: 'gpt2' },
  sequences: { packing: 'blocks', maxLength: 512 },
  masking: BERT_MASKING,
  teacherInput: 'unmasked',
  model: {
    vocabSize: TEXT_VOCAB_SIZES.gpt2, padIdx: 1, dim: 768, depth: 12, heads: 12, ffnDim: 4 * 768, maxPositions: 512,
    dropout: 0.1, attnDropout: 0.1, activationDropout: 0, layerdrop: 0, eps: 1e-5,
  },
  data2vec: {
    targets: { topK: 10, source: 'ffn', perLayerNorm: 'layer', finalNorm: 'none', subtractPositionMean: false },
    loss: { beta: 4, reduction: 'sum', scale: 1 },
    ema: { tauStart: 0.999, tauEnd: 0.9999, annealUpdates: 0, shared: ['embeddings'] },
    headLayers: 2,
  },
  // tri-stage 5/80/15 %, τ annealed over 100k of 1M updates, the collapse guard from update 5000
  fractions: { warmup: 0.05, hold: 0.8, emaEnd: 0.1, checkpointEvery: 0.1, collapseAfter: 0.005 },
  trainer: {
    updates: 1_000_000,
    batchSize: 32,
    accumulation: 8,
    optimizer: { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, epsStyle: 'fairseq' },
    // fairseq v1 speech and text decay every parameter, biases and norms included (spec trap 18)
    decayAll: true,
    schedule: { kind: 'tri_stage', peakLr: 2e-4, warmupUpdates: 0, holdUpdates: 0, decayUpdates: 0 },
    clipNorm: 5.0,
    seed: 0,
    checkpointEvery: 0,
    collapse: { minTargetVar: 0.1, minPredVar: 0.01, afterUpdates: 0 },
  },
  evalBatchSize: 64,
});

/** A cosine schedule to `peakLr` (the counts come from `fractions`). */
const cosine = (peakLr: number): ScheduleSpec => ({ kind: 'cosine', peakLr, warmupUpdates: 0, totalUpdates: 0, minLr: 0 });

/** `tiny`: 240 updates of 64 glosses on the 4,096-id WordNet BPE (see the file header). */
const tiny = (): TextV1Config => variant(base(), {
  preset: 'tiny',
  tokenizer: { name: 'wordnet-bpe', vocabSize: TEXT_VOCAB_SIZES.wordnet4k },
  sequences: { packing: 'documents', maxLength: 64 },
  model: { vocabSize: TEXT_VOCAB_SIZES.wordnet4k, dim: 128, depth: 4, heads: 4, ffnDim: 4 * 128, maxPositions: 64 },
  // K = 10 of 12 in base; the same share (rounded) for other depths
  data2vec: { targets: { topK: 3 }, ema: { tauStart: 0.99, tauEnd: 0.999 } },
  fractions: { warmup: 0.1, emaEnd: 1, checkpointEvery: 50 / 240, collapseAfter: 0.5 },
  trainer: { updates: 240, batchSize: 64, accumulation: 1, schedule: cosine(5e-4) },
  evalBatchSize: 256,
});

/** Text data2vec 1.0 presets by name: `base` and what the others change (counts resolved from `fractions`). */
export const TEXT_V1_PRESETS: Record<string, () => TextV1Config> = {
  tiny: () => resolveRunFractions(tiny()),
  'tiny-released': () => resolveRunFractions(variant(tiny(), { preset: 'tiny-released', masking: SPAN_MASKING, teacherInput: 'selectedOnly' })),
  small: () => resolveRunFractions(variant(base(), {
    preset: 'small',
    tokenizer: { name: 'wordnet-bpe', vocabSize: TEXT_VOCAB_SIZES.wordnet8k },
    sequences: { packing: 'documents', maxLength: 128 },
    model: { vocabSize: TEXT_VOCAB_SIZES.wordnet8k, dim: 256, depth: 6, heads: 4, ffnDim: 4 * 256, maxPositions: 128 },
    data2vec: { targets: { topK: 5 } },
    fractions: { warmup: 0.05, hold: undefined, emaEnd: 0.5, collapseAfter: 0.25 },
    trainer: { updates: 20_000, batchSize: 128, accumulation: 1, schedule: cosine(5e-4) },
    evalBatchSize: 256,
  })),
  base: () => resolveRunFractions(base()),
  'base-released': () => resolveRunFractions(variant(base(), {
    preset: 'base-released',
    masking: SPAN_MASKING,
    teacherInput: 'selectedOnly',
    fractions: { warmup: 0.01, hold: undefined, emaEnd: 0.3 },
    trainer: { schedule: cosine(2e-4) },
  })),
};
