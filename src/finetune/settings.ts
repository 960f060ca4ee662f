/**
 * Fine-tuning hyper-parameters per modality (spec §6 "Fine-tuning recipes"), scaled
 * to the tiny presets and a few minutes on two CPU cores. What is kept from the
 * papers: AdamW, linear warm-up then cosine to a small floor, layer-wise LR decay,
 * label smoothing 0.1, drop path where the encoder has it (the v1 image encoder),
 * weight decay 0.05 for images (0.01 speech, 0.1 text as in the v2 GLUE configs),
 * a mean-pooled head with `fc_norm`. What is scaled: the number of updates (a few
 * epochs of the bundled sets instead of 100), the peak LR (tiny encoders, short
 * runs: 1e-3 images, as the v2 ViT-B recipe; 5e-4 speech and text, where the
 * reference's 3e-5…1e-4 and 1e-5…6e-5 were tuned for 95M-parameter models over tens
 * of thousands of updates) and the layer decay (0.75 over 3–4 blocks instead of 0.65
 * over 12, so the embeddings still train at about a third of the head's rate).
 * Image augmentation (the pretraining crop and flip) is off by default: on 28×28
 * images the random resized crop (scale 0.35–1) costs more than it gives in a few
 * hundred updates (pretrained tiny image v1, 100 updates of 64: 29.2 % held-out
 * accuracy with it, 53.2 % without; one run each on a loaded 2-core machine).
 * Mixup and CutMix are off by default too: see docs/results.md, "Fine-tuning: what was tried".
 * Speech follows the wav2vec 2.0 CTC recipes where they matter here: the CNN feature
 * encoder frozen, the encoder's dropout and attention dropout 0 (`Wav2Vec2AsrConfig`
 * defaults), and every training clip encoded whole, as evaluation encodes it
 * (`batches.ts` says what the crops and the dropout cost the pretrained speech 1.0 run).
 */
import { Modality } from '../modalities/recipe';
import { MixupOptions } from './mixup';
import { HeadNorm, Pooling } from './classifier';
import { TimeMaskOptions } from '../masking/time-mask';

export interface FinetuneSettings {
  /** Optimizer updates. */
  updates: number;
  /** Samples per update. */
  batchSize: number;
  /** Peak learning rate (of the head; blocks below get `layerDecay` powers of it). */
  lr: number;
  /** Floor of the cosine. */
  minLr: number;
  /** Share of the updates spent warming up linearly from 0. */
  warmupFraction: number;
  /** Layer-wise LR decay factor in (0, 1]; 1 disables it. */
  layerDecay: number;
  /** Extra LR factor of every encoder parameter on top of the layer decay (the head and its norm keep 1): the data2vec 1.0 AudioSet fine-tuning trains the head at 2e-4 and the body at 3e-5 (0.15). */
  encoderLrScale: number;
  /** Decoupled weight decay (not on biases, norms and other 1-D parameters). */
  weightDecay: number;
  betas: [number, number];
  /** Global gradient-norm clip; 0 disables. */
  clipNorm: number;
  /** Label smoothing ε. */
  labelSmoothing: number;
  /** Every dropout rate of the encoder config (`dropout`, `attnDropout`, `postMlpDropout`, …) set to this value while fine-tuning; null keeps the pretraining run's rates (speech: 0, as the CTC recipes; the others: null). */
  encoderDropout: number | null;
  /** Stochastic depth of the last block (rising linearly from 0), where the encoder config has `dropPath`. */
  dropPath: number;
  pooling: Pooling;
  /** Norm between the pooled features and the head (see `HeadNorm`). */
  headNorm: HeadNorm;
  /** `'zero'`: the head starts near zero (N(0, 2e-5²), MAE); `'probe'`: from a linear probe fitted on the starting encoder's features (linear probing, then fine-tuning; `probe-init.ts`; needs `headNorm: 'batch'`; the speech default: from a zero head the pretrained tiny speech 1.0 encoder, whose pooled features need large head weights, reached 50.8 % in 200 updates, from the probe 68.3 %). */
  headInit: 'zero' | 'probe';
  /** With mean pooling: means of this many consecutive time segments, concatenated (speech: instance-normed targets leave each channel's clip mean without signal, so the whole-clip mean of a pretrained speech encoder is nearly the same for every clip; the probe reads 3 segments for the same reason). 1 for images and text. */
  segments: number;
  /** Share of the updates at the start during which only the head trains (wav2vec 2.0 CTC recipes: `freeze_finetune_updates`, 10k of 13k for 10 minutes of labels); 0 by default (not measured to help here yet). */
  freezeEncoderFraction: number;
  /** Parameters (by name prefix) that never train (no gradient, no update); none by default. */
  frozenPrefixes: string[];
  /** Freeze the speech CNN feature encoder (the CTC recipes' `feature_grad_mult: 0.0`, spec §1.2): no gradient is computed for it. Speech only. */
  freezeFeatureEncoder: boolean;
  /** Hide spans of time steps in training batches (wav2vec 2.0 fine-tuning `mask_prob` / `mask_length`, see `time-mask.ts`); null for none. Speech only. */
  timeMask: TimeMaskOptions | null;
  /** `'cosine'`: warm-up then cosine to `minLr` (image and text recipes); `'tri_stage'`: the CTC recipes' warm-up / hold / exponential decay over 10 / 40 / 50 % of the updates (`warmupFraction` replaces the first share), from and to 1 % and 5 % of the peak. */
  schedule: 'cosine' | 'tri_stage';
  /** Speech: encode every training clip whole, one at a time, as evaluation does (`batches.ts`), instead of cropping each batch to its shortest clip. */
  wholeClips: boolean;
  /** `'by-length'`: each batch holds clips of similar length (speech batches are cropped to their shortest clip); `'random'`: uniform random batches. */
  batching: 'random' | 'by-length';
  /** Draw the recipe's training augmentation (random resized crop and flip for images, random crops for speech); false trains on the evaluation view. */
  augment: boolean;
  /** Mixup / CutMix of image batches; null for none. */
  mixup: MixupOptions | null;
  /** Evaluate on the held-out split (and checkpoint) every this many updates, and after the last. */
  evalEvery: number;
  /** Use at most this many train samples (a seeded subset); null for all. */
  maxTrain: number | null;
  /** Evaluate on at most this many held-out samples (a seeded subset); null for all. */
  maxTest: number | null;
}

const COMMON = { minLr: 1e-6, encoderLrScale: 1, encoderDropout: null, warmupFraction: 0.1, clipNorm: 0, labelSmoothing: 0.1, pooling: 'mean' as Pooling, segments: 1, headNorm: 'layer' as HeadNorm, headInit: 'zero' as const, freezeEncoderFraction: 0, frozenPrefixes: [] as string[], freezeFeatureEncoder: false, timeMask: null, schedule: 'cosine' as const, batching: 'random' as const, wholeClips: false, augment: true, mixup: null, maxTrain: null, maxTest: null };

/** The defaults of each modality (tiny presets; see the file header). */
export const FINETUNE_DEFAULTS: Record<Modality, FinetuneSettings> = {
  image: { ...COMMON, augment: false, updates: 300, batchSize: 64, lr: 1e-3, layerDecay: 0.75, weightDecay: 0.05, betas: [0.9, 0.999], dropPath: 0.1, evalEvery: 100 },
  audio: {
    ...COMMON, updates: 200, batchSize: 16, lr: 5e-4, layerDecay: 0.75, weightDecay: 0.01, betas: [0.9, 0.98], dropPath: 0, evalEvery: 50,
    freezeFeatureEncoder: true, wholeClips: true, encoderDropout: 0, segments: 3, headNorm: 'batch', headInit: 'probe',
  },
  text: { ...COMMON, augment: false, updates: 300, batchSize: 32, lr: 5e-4, layerDecay: 0.75, weightDecay: 0.1, betas: [0.9, 0.98], dropPath: 0, evalEvery: 100 },
};

function need(ok: boolean, field: string, value: unknown, expected: string): void {
  if (!ok) throw new Error(`fine-tuning setting ${field} must be ${expected}, got ${JSON.stringify(value)}.`);
}

/** The modality's defaults with `overrides` applied, checked field by field (one sentence naming the field when wrong). */
export function finetuneSettings(modality: Modality, overrides: Partial<FinetuneSettings> = {}): FinetuneSettings {
  const base = FINETUNE_DEFAULTS[modality];
  if (!base) throw new Error(`no fine-tuning settings for modality ${JSON.stringify(modality)}; expected image, audio or text.`);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const s: FinetuneSettings = { ...structuredClone(base), ...defined };
  const posInt = (v: number) => Number.isInteger(v) && v > 0;
  need(posInt(s.updates), 'updates (--steps)', s.updates, 'a positive integer');
  need(posInt(s.batchSize), 'batchSize (--batch-size)', s.batchSize, 'a positive integer');
  need(s.lr > 0 && Number.isFinite(s.lr), 'lr (--lr)', s.lr, 'a positive number');
  need(s.minLr >= 0 && s.minLr <= s.lr, 'minLr', s.minLr, `a number in [0, lr] (lr ${s.lr})`);
  need(s.warmupFraction >= 0 && s.warmupFraction < 1, 'warmupFraction', s.warmupFraction, 'in [0, 1)');
  need(s.layerDecay > 0 && s.layerDecay <= 1, 'layerDecay (--layer-decay)', s.layerDecay, 'in (0, 1]');
  need(s.encoderLrScale >= 0 && s.encoderLrScale <= 1, 'encoderLrScale (--encoder-lr-scale)', s.encoderLrScale, 'in [0, 1]');
  need(s.weightDecay >= 0, 'weightDecay', s.weightDecay, 'a number >= 0');
  need(s.clipNorm >= 0, 'clipNorm', s.clipNorm, 'a number >= 0');
  need(s.labelSmoothing >= 0 && s.labelSmoothing < 1, 'labelSmoothing (--label-smoothing)', s.labelSmoothing, 'in [0, 1)');
  need(s.encoderDropout === null || (s.encoderDropout >= 0 && s.encoderDropout < 1), 'encoderDropout (--encoder-dropout)', s.encoderDropout, 'null or in [0, 1)');
  need(s.dropPath >= 0 && s.dropPath < 1, 'dropPath (--drop-path)', s.dropPath, 'in [0, 1)');
  need(s.pooling === 'mean' || s.pooling === 'cls', 'pooling (--pooling)', s.pooling, '"mean" or "cls"');
  need(s.headNorm === 'layer' || s.headNorm === 'batch', 'headNorm (--head-norm)', s.headNorm, '"layer" or "batch"');
  need(s.headInit === 'zero' || (s.headInit === 'probe' && s.headNorm === 'batch'), 'headInit (--head-init)', s.headInit, '"zero", or "probe" together with --head-norm batch');
  need(Number.isInteger(s.segments) && s.segments >= 1, 'segments (--segments)', s.segments, 'a positive integer');
  need(s.freezeEncoderFraction >= 0 && s.freezeEncoderFraction < 1, 'freezeEncoderFraction (--freeze-encoder)', s.freezeEncoderFraction, 'in [0, 1)');
  need(Array.isArray(s.frozenPrefixes) && s.frozenPrefixes.every((p) => typeof p === 'string'), 'frozenPrefixes', s.frozenPrefixes, 'a list of parameter-name prefixes');
  need(typeof s.augment === 'boolean', 'augment', s.augment, 'true or false');
  need(typeof s.wholeClips === 'boolean', 'wholeClips (--whole-clips)', s.wholeClips, 'true or false');
  need(typeof s.freezeFeatureEncoder === 'boolean', 'freezeFeatureEncoder (--freeze-feature-encoder)', s.freezeFeatureEncoder, 'true or false');
  need(s.timeMask === null || (s.timeMask.prob >= 0 && s.timeMask.prob < 1 && Number.isInteger(s.timeMask.length) && s.timeMask.length >= 1), 'timeMask (--time-mask PROB,LENGTH)', s.timeMask, 'null or { prob in [0, 1), length a positive integer }');
  need(s.schedule === 'cosine' || s.schedule === 'tri_stage', 'schedule (--schedule)', s.schedule, '"cosine" or "tri_stage"');
  need(s.batching === 'random' || s.batching === 'by-length', 'batching (--batching)', s.batching, '"random" or "by-length"');
  need(posInt(s.evalEvery), 'evalEvery (--eval-every)', s.evalEvery, 'a positive integer');
  need(s.maxTrain === null || posInt(s.maxTrain), 'maxTrain (--max-train)', s.maxTrain, 'a positive integer');
  need(s.maxTest === null || posInt(s.maxTest), 'maxTest (--max-test)', s.maxTest, 'a positive integer');
  if (s.mixup !== null && modality !== 'image') throw new Error(`mixup and cutmix apply to images only; drop --mixup/--cutmix for ${modality}.`);
  if (modality !== 'audio' && (s.freezeFeatureEncoder || s.timeMask !== null || s.batching === 'by-length' || s.segments > 1 || s.wholeClips)) {
    throw new Error(`--freeze-feature-encoder, --time-mask, --segments, --whole-clips and --batching by-length apply to speech only; drop them for ${modality}.`);
  }
  if (s.augment && modality === 'text') throw new Error('text has no training augmentation (its batches are the sentences as given); drop --augment for text.');
  if (s.pooling === 'cls' && modality !== 'text') throw new Error(`--pooling cls reads the <s> token of text; the ${modality} encoders here keep no such token in their outputs, so use --pooling mean.`);
  return s;
}

/** One line naming the settings in effect (the command prints it, the report shows it), e.g. `200 × 16, lr 1e-3 tri_stage, …`. */
export function describeSettings(s: FinetuneSettings): string {
  const parts = [
    `${s.updates} updates × ${s.batchSize}`,
    `peak lr ${s.lr} (${s.schedule}, warm-up ${s.warmupFraction})`,
    `layer decay ${s.layerDecay}`,
    s.encoderLrScale !== 1 ? `encoder lr × ${s.encoderLrScale}` : '',
    `weight decay ${s.weightDecay}`,
    `label smoothing ${s.labelSmoothing}`,
    s.dropPath > 0 ? `drop path ${s.dropPath}` : '',
    s.encoderDropout !== null ? `encoder dropout ${s.encoderDropout}` : '',
    s.freezeEncoderFraction > 0 ? `head only for the first ${Math.round(s.freezeEncoderFraction * s.updates)} updates` : '',
    s.freezeFeatureEncoder ? 'CNN feature encoder frozen' : '',
    s.timeMask ? `time mask p ${s.timeMask.prob} × ${s.timeMask.length} frames` : '',
    s.batching === 'by-length' ? 'batches by length' : '',
    s.wholeClips ? 'whole clips encoded one at a time' : s.augment ? 'augmentation on' : 'no augmentation',
    s.mixup ? `mixup ${s.mixup.mixupAlpha} / cutmix ${s.mixup.cutmixAlpha}` : '',
    s.segments > 1 ? `${s.pooling} pooling over ${s.segments} time segments` : `${s.pooling} pooling`,
    `${s.headNorm} norm before the head`,
    s.headInit === 'probe' ? 'head started from a linear probe' : '',
  ];
  return parts.filter((p) => p !== '').join(', ');
}
