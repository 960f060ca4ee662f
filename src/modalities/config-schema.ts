/**
 * One schema for every run config (design "presets as data"; spec Appendix A lists
 * the fields), written with zod: each field's type, range and allowed values, and the
 * relations between fields (heads divide the width, the image divides into patches,
 * mask counts fit the patch grid, top-K within the depth, warm-up within the run).
 * Applied to a preset with its overrides (`--set`, flags, the API) and to a
 * config.json read back for `--resume` / `probe --run`, before any work starts; an
 * invalid value is one line naming the field path, the value and what is allowed.
 * Recipe-specific fields not listed here keep their own checks (`check` in each recipe).
 */
import { z } from 'zod';

/** Sizes above these are refused as typos (they would ask for arrays beyond any memory here). */
export const CONFIG_LIMITS = { width: 16384, depth: 256, imageSide: 4096, patches: 65536, batch: 65536, updates: 1e9, positions: 65536, vocab: 1_000_000, samples: 1e8 };

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const prob = z.number().min(0).max(1);
/** A dropout rate: 1 would drop everything. */
const rate = z.number().min(0).lt(1);
const positive = z.number().positive().max(1e12);
const nonNegative = z.number().min(0).max(1e12);
const posInt = int(1);
const nonNegInt = int(0);

const schedule = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('constant'), lr: positive }),
  z.looseObject({ kind: z.literal('cosine'), peakLr: positive, warmupUpdates: nonNegInt, totalUpdates: posInt, minLr: nonNegative.optional() }),
  z.looseObject({ kind: z.literal('tri_stage'), peakLr: positive, warmupUpdates: nonNegInt, holdUpdates: nonNegInt, decayUpdates: nonNegInt }),
  z.looseObject({ kind: z.literal('polynomial'), peakLr: positive, warmupUpdates: nonNegInt, totalUpdates: posInt }),
]);

const trainer = z.looseObject({
  updates: int(1, CONFIG_LIMITS.updates),
  batchSize: int(1, CONFIG_LIMITS.batch),
  accumulation: int(1, 4096),
  optimizer: z.looseObject({
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]),
    eps: positive,
    weightDecay: nonNegative,
    epsStyle: z.enum(['torch', 'fairseq']).optional(),
  }),
  noDecayNames: z.array(z.string()).optional(),
  decayAll: z.boolean().optional(),
  schedule,
  clipNorm: nonNegative,
  seed: z.number().int(),
  checkpointEvery: nonNegInt,
  skipNonfinite: nonNegInt.optional(),
  collapse: z.looseObject({ minTargetVar: nonNegative, minPredVar: nonNegative, afterUpdates: nonNegInt }),
});

const model = z.looseObject({
  dim: int(1, CONFIG_LIMITS.width),
  depth: int(1, CONFIG_LIMITS.depth),
  heads: int(1, CONFIG_LIMITS.width),
  mlpRatio: positive.max(64).optional(),
  ffnDim: int(1, 4 * CONFIG_LIMITS.width).optional(),
  prenetDepth: int(0, CONFIG_LIMITS.depth).optional(),
  imageSize: z.tuple([int(1, CONFIG_LIMITS.imageSide), int(1, CONFIG_LIMITS.imageSide)]).optional(),
  channels: int(1, 64).optional(),
  patchSize: int(1, CONFIG_LIMITS.imageSide).optional(),
  vocabSize: int(1, CONFIG_LIMITS.vocab).optional(),
  maxPositions: int(1, CONFIG_LIMITS.positions).optional(),
  convLayers: z.array(z.tuple([int(1, CONFIG_LIMITS.width), posInt, posInt])).min(1).optional(),
  posConv: z.looseObject({ width: posInt, depth: nonNegInt, groups: posInt }).optional(),
  dropout: rate.optional(),
  attnDropout: rate.optional(),
  activationDropout: rate.optional(),
  postMlpDropout: rate.optional(),
  prenetDropout: rate.optional(),
  embedDropout: rate.optional(),
  dropoutInput: rate.optional(),
  dropPath: rate.optional(),
  layerdrop: rate.optional(),
  prenetLayerdrop: rate.optional(),
  layerScale: nonNegative.optional(),
  eps: positive.optional(),
});

const decoder = z.looseObject({ dim: int(1, CONFIG_LIMITS.width), kernel: int(1, 1023), layers: int(1, CONFIG_LIMITS.depth), groups: posInt, projectionLayers: int(1, 16).optional() });

const masking = z.looseObject({
  maskProb: prob.optional(),
  maskLength: posInt.optional(),
  maskProbAdjust: z.number().min(-1).max(1).optional(),
  maskDropout: rate.optional(),
  minMasks: nonNegInt.optional(),
  numMaskingPatches: nonNegInt.optional(),
  minNumPatches: posInt.optional(),
  maxNumPatches: posInt.optional(),
  minAspect: positive.optional(),
  maxAspect: positive.optional(),
  leaveUnmaskedProb: prob.optional(),
  randomTokenProb: prob.optional(),
  maskMultipleLength: posInt.optional(),
});

const data2vec = z.looseObject({
  targets: z.looseObject({ topK: int(1, CONFIG_LIMITS.depth), source: z.enum(['end', 'ffn']), perLayerNorm: z.enum(['layer', 'instance', 'batch', 'none']), finalNorm: z.enum(['layer', 'instance', 'batch', 'none']), subtractPositionMean: z.boolean().optional() }),
  loss: z.looseObject({ beta: nonNegative, reduction: z.enum(['mean', 'sum']), scale: z.union([positive, z.literal('invSqrtDim')]) }),
  ema: z.looseObject({ tauStart: prob, tauEnd: prob, annealUpdates: nonNegInt }),
  clones: int(1, 1024).optional(),
  headLayers: int(1, 16).optional(),
  clsLoss: nonNegative.optional(),
  maskNoiseStd: nonNegative.optional(),
  decoderInputDropout: rate.optional(),
});

/** The run config schema: base fields, the shared sections, and the relations between them. */
export const runConfigSchema = z
  .looseObject({
    modality: z.string().min(1),
    algo: z.enum(['v1', 'v2']),
    preset: z.string(),
    seed: z.number().int(),
    data: z.string().optional(),
    // optional: a config.json written before fractions were recorded gets them from its counts (overrides.ts)
    fractions: z.looseObject({ warmup: prob, hold: prob.optional(), emaEnd: prob, checkpointEvery: prob, collapseAfter: prob }).optional(),
    trainer,
    model: model.optional(),
    decoder: decoder.optional(),
    masking: masking.optional(),
    data2vec: data2vec.optional(),
    sequences: z.looseObject({ packing: z.enum(['documents', 'blocks']), maxLength: int(2, CONFIG_LIMITS.positions) }).optional(),
    tokenizer: z.looseObject({ name: z.string().min(1), vocabSize: int(261, CONFIG_LIMITS.vocab).optional() }).optional(),
    audio: z.looseObject({ minSamples: int(1, CONFIG_LIMITS.samples), maxSamples: int(1, CONFIG_LIMITS.samples), maxSampleSize: int(1, CONFIG_LIMITS.samples) }).optional(),
    evalBatchSize: int(1, CONFIG_LIMITS.batch).optional(),
  })
  .superRefine((c, ctx) => {
    const fail = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const m = c.model;
    if (m) {
      if (m.dim % m.heads !== 0) fail(['model', 'heads'], `must divide model.dim (${m.dim})`);
      if (m.imageSize && m.patchSize !== undefined) {
        m.imageSize.forEach((side, i) => {
          if (side % m.patchSize! !== 0) fail(['model', 'patchSize'], `must divide model.imageSize[${i}] (${side})`);
        });
        const grid = Math.floor(m.imageSize[0] / m.patchSize) * Math.floor(m.imageSize[1] / m.patchSize);
        if (grid > CONFIG_LIMITS.patches) fail(['model', 'patchSize'], `gives ${grid} patches; at most ${CONFIG_LIMITS.patches} (a larger patch or a smaller image)`);
        const k = c.masking;
        if (k?.numMaskingPatches !== undefined && k.numMaskingPatches > grid) fail(['masking', 'numMaskingPatches'], `must be within the ${grid} patches of the grid`);
        if (k?.maxNumPatches !== undefined && k.maxNumPatches > grid) fail(['masking', 'maxNumPatches'], `must be within the ${grid} patches of the grid`);
      }
      if (m.mlpRatio !== undefined && Math.round(m.dim * m.mlpRatio) < 1) fail(['model', 'mlpRatio'], `must give a feed-forward width model.dim × model.mlpRatio of at least 1 (model.dim ${m.dim})`);
      if (m.posConv && m.dim % m.posConv.groups !== 0) fail(['model', 'posConv', 'groups'], `must divide model.dim (${m.dim})`);
      if (c.data2vec && c.data2vec.targets.topK > m.depth) fail(['data2vec', 'targets', 'topK'], `must be within model.depth (${m.depth})`);
      if (c.sequences && m.maxPositions !== undefined && c.sequences.maxLength > m.maxPositions) fail(['sequences', 'maxLength'], `must be within model.maxPositions (${m.maxPositions})`);
    }
    const beta = c.data2vec?.loss.beta;
    if (beta !== undefined && beta > 0 && beta < 1e-4) fail(['data2vec', 'loss', 'beta'], 'must be 0 (an L2 loss) or at least 0.0001 (smooth L1 divides by it)');
    const d = c.decoder;
    if (d && d.dim % d.groups !== 0) fail(['decoder', 'groups'], `must divide decoder.dim (${d.dim})`);
    const k = c.masking;
    if (k?.minNumPatches !== undefined && k.maxNumPatches !== undefined && k.minNumPatches > k.maxNumPatches) fail(['masking', 'minNumPatches'], `must be at most masking.maxNumPatches (${k.maxNumPatches})`);
    if (k?.minAspect !== undefined && k.maxAspect !== undefined && k.minAspect > k.maxAspect) fail(['masking', 'minAspect'], `must be at most masking.maxAspect (${k.maxAspect})`);
    if ((k?.leaveUnmaskedProb ?? 0) + (k?.randomTokenProb ?? 0) > 1) fail(['masking', 'randomTokenProb'], 'plus masking.leaveUnmaskedProb must be at most 1');
    const a = c.audio;
    if (a && a.minSamples > a.maxSamples) fail(['audio', 'minSamples'], `must be at most audio.maxSamples (${a.maxSamples})`);
    const sch = c.trainer.schedule;
    if (sch.kind === 'cosine' && sch.minLr !== undefined && sch.minLr > sch.peakLr) fail(['trainer', 'schedule', 'minLr'], `must be at most trainer.schedule.peakLr (${sch.peakLr})`);
    if ((sch.kind === 'cosine' || sch.kind === 'polynomial') && sch.warmupUpdates > sch.totalUpdates) fail(['trainer', 'schedule', 'warmupUpdates'], `must be within trainer.schedule.totalUpdates (${sch.totalUpdates})`);
    if (c.trainer.checkpointEvery > c.trainer.updates) fail(['trainer', 'checkpointEvery'], `must be within trainer.updates (${c.trainer.updates}); 0 writes only the final checkpoint`);
  });

function valueAt(config: unknown, path: readonly PropertyKey[]): unknown {
  let node = config as Record<PropertyKey, unknown> | undefined;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node[key] as Record<PropertyKey, unknown>) : undefined;
  return node;
}

/** What an issue allows, in words. */
function allowed(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return issue.origin === 'array' ? `must be a list of at least ${issue.minimum} items` : `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be an integer' : `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'has no allowed form here (check its "kind" and fields)';
    case 'custom':
      return issue.message;
    default:
      return issue.message;
  }
}

/**
 * Check a run config against {@link runConfigSchema}; throws one line naming the
 * first bad field, its value and what is allowed. `source` says where the config came
 * from (e.g. the config.json path) and `fix` what to do.
 */
export function validateRunConfig<C>(config: C, source = 'the run config', fix = 'change it with --set or pick another preset'): C {
  const result = runConfigSchema.safeParse(config);
  if (result.success) return config;
  const issue = result.error.issues[0];
  let path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  let what = allowed(issue);
  if (issue.code === 'invalid_union' && issue.path[issue.path.length - 1] === 'kind') what = 'must be one of "constant", "cosine", "tri_stage", "polynomial"';
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // a discriminated union names the member's failing field
    const inner = issue.errors.flat()[0];
    if (inner) {
      path += inner.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      what = allowed(inner);
    }
  }
  const value = valueAt(config, path.split(/\.|\[|\]/).filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k)));
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  throw new Error(`${source}: ${path || 'the config'} is ${shown} but ${what}; ${fix}.`);
}
