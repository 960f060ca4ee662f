/**
 * The learning-curves file (spec §7.2: accuracy against pretraining time): per
 * modality, the raw-input probe and, per algorithm, the probe curve of one run on
 * the training clock (`probed-training.ts`), with where it was measured and how.
 * Written by `bench/learning-curves.ts`; its zod schema is the contract that the
 * page writer (`run/learning-curves-page.ts`) and any reader rely on.
 */
import { z } from 'zod';
import { CurvePoint } from './accuracy-curve';
import { PROBE_TASKS } from './probe';

/** Schema tag of the file's current layout (@2: each modality records its probe task). */
export const LEARNING_CURVES_SCHEMA = 'data2vec-ts/learning-curves@2';
/** The layout before probe tasks: every modality was probed on its data set's labels. */
const LEARNING_CURVES_SCHEMA_1 = 'data2vec-ts/learning-curves@1';

const accuracy = z.number().min(0).max(1);
const seconds = z.number().min(0);

const point = z.object({ update: z.number().int().min(0), seconds, cpu_seconds: seconds, accuracy, weight_decay: z.number().positive(), validation_accuracy: accuracy.optional() });

const run = z.object({
  preset: z.string(),
  /** Updates the run's schedule was set for (warm-up, cosine decay and EMA anneal span them). */
  schedule_updates: z.number().int().min(1),
  updates: z.number().int().min(0),
  train_seconds: seconds,
  probe_seconds: seconds,
  batch_size: z.number().int().min(1),
  views_per_sample: z.number().int().min(1),
  median_step_ms: z.number().positive().nullable(),
  random_init_accuracy: accuracy,
  best_accuracy: accuracy,
  /** Training seconds at which the curve first crossed the raw-input probe (interpolated); null if it never did or there is none. */
  seconds_to_raw_input: seconds.nullable(),
  probes: z.array(point).min(1),
});

const modality = z.object({
  /** Training budget of this modality's runs when it differs from the file's (files merged from several invocations). */
  budget_seconds: z.number().positive().optional(),
  /** What the probe classified: `labels`, the data set's own labels; `sense` (text), word sense in context, read at the word. */
  task: z.enum(PROBE_TASKS),
  /** What the probe read and how it was fitted. */
  probe: z.string(),
  raw_input: z.object({ accuracy, weight_decay: z.number().positive() }).nullable(),
  runs: z.partialRecord(z.enum(['v1', 'v2']), run),
});

/** The whole file. */
export const learningCurvesSchema = z.object({
  schema: z.literal(LEARNING_CURVES_SCHEMA),
  date: z.string(),
  machine: z.string(),
  command: z.string(),
  backend: z.string(),
  budget_seconds: z.number().positive(),
  probe_every_seconds: z.number().positive(),
  modalities: z.record(z.string(), modality),
});

export type LearningCurvesFile = z.infer<typeof learningCurvesSchema>;
export type LearningCurveRun = z.infer<typeof run>;
export type { CurvePoint };

/** An @1 file read as @2: its probes were all on the data sets' own labels. */
function upgradeSchema1(value: unknown): unknown {
  const v = value as { schema?: unknown; modalities?: unknown };
  if (v === null || typeof v !== 'object' || v.schema !== LEARNING_CURVES_SCHEMA_1 || v.modalities === null || typeof v.modalities !== 'object') return value;
  const modalities = Object.fromEntries(Object.entries(v.modalities as Record<string, unknown>).map(([k, m]) => [k, m !== null && typeof m === 'object' ? { task: 'labels', ...m } : m]));
  return { ...v, schema: LEARNING_CURVES_SCHEMA, modalities };
}

/**
 * Checks a parsed learning-curves file (an @1 file is read as @2 with task `labels`
 * everywhere, as it was measured); throws one sentence naming the first bad field.
 */
export function checkLearningCurves(value: unknown, source = 'the learning-curves file'): LearningCurvesFile {
  const r = learningCurvesSchema.safeParse(upgradeSchema1(value));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  throw new Error(`${source} has a bad field ${where}: ${issue.message}; write it again with bench/learning-curves.`);
}
