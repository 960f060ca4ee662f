/**
 * Pretraining as a library call (the `data2vec pretrain` command and notebooks use
 * it): resolve the config, load data, build the model, train with atomic
 * checkpoints, and write a run folder with config.json, metrics.csv, the
 * checkpoint and report.html. `resume` continues a run folder where it stopped.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { getRecipe } from '../modalities/registry';
import { BaseRunConfig, DataProgress, RunOverrides } from '../modalities/recipe';
import { Trainer } from '../train/trainer';
import { MetricsRow } from '../train/metrics-log';
import { writeFileAtomic } from '../util/atomic-write';
import { makeDir, withFile } from '../util/io-error';
import { removeStaleTempFiles } from '../util/stale-temp';
import { registerRun } from './interrupt';
import { writeRunReport } from '../viz/report';
import { trainingFigures } from '../viz/figures';
import { currentBackend } from '../backend/select';
import { matMulThreads } from '../backend/batched-matmul';
import { WebGpuAdapter, WebGpuMatMul } from '../backend/webgpu';
import { BufferFit } from '../backend/webgpu-buffer-pool';
import { applyOverrides } from '../modalities/overrides';
import { validateRunConfig } from '../modalities/config-schema';
import { median } from '../util/median';
import { assertUpdateFits, describeUpdateMemory, estimateUpdateMemory } from '../backend/update-memory';
import { countByKind } from '../data/skip-log';

export interface PretrainOptions {
  modality?: string;
  algo?: string;
  preset?: string;
  overrides?: RunOverrides;
  /** Run folder; default `runs/<modality>-<algo>-<preset>-<time>`. */
  out?: string;
  /** Continue the run in this folder (its config.json and checkpoint). */
  resume?: string;
  /** Write report.html (default true). */
  report?: boolean;
  onStart?: (info: { config: BaseRunConfig; runDir: string; dataDescription: string; startUpdate: number; parameters: number; memory?: string }) => void;
  onUpdate?: (row: MetricsRow) => void;
  onWarning?: (message: string) => void;
  /** Progress of one-time data preparation (tokenising a text corpus into its cache). */
  dataProgress?: DataProgress;
  signal?: AbortSignal;
}

export interface PretrainSummary {
  modality: string;
  algo: string;
  preset: string;
  steps: number;
  backend: string;
  /** The WebGPU adapter and Dawn backend (backend `webgpu` only). */
  adapter?: WebGpuAdapter;
  /** The WebGPU matrix-product program, whether the fused WGSL kernels ran, the buffer-reuse rule and the GPU memory budget in bytes or null (backend `webgpu` only). */
  webgpu?: { matmul: WebGpuMatMul; fusedKernels: boolean; bufferFit: BufferFit; memoryLimit: number | null };
  loss_first: number;
  loss_last: number;
  target_var_last: number;
  pred_var_last: number;
  /** Median samples/s of the updates this call ran; of the whole run when a resumed run had already finished, so none ran. */
  samples_per_sec: number;
  run_dir: string;
  seconds: number;
  stopped: boolean;
  resumed_from: number;
  parameters: number;
  peak_tensor_mb: number;
  peak_rss_mb: number;
  warnings: string[];
  config: BaseRunConfig;
}

/** Median samples/s of these updates, leaving out the first (warm-up) when there are more than two. */
function medianSamplesPerSec(rows: MetricsRow[]): number {
  return median(rows.slice(rows.length > 2 ? 1 : 0).map((r) => r.samples_per_sec));
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Read and validate a run folder's config.json. */
export function readRunConfig(runDir: string): BaseRunConfig {
  return validateRunConfig(readRunIdentity(runDir), path.join(runDir, 'config.json'), 'restore it from the run or start a new run');
}

/**
 * A run folder's config.json parsed, with only its modality and algorithm checked: for
 * callers that refuse a kind of run before anything else in the file matters.
 */
export function readRunIdentity(runDir: string): BaseRunConfig {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist; pass a run folder written by "data2vec pretrain".`);
  const text = withFile('read', file, () => fs.readFileSync(file, 'utf8'));
  let config: BaseRunConfig;
  try {
    config = JSON.parse(text) as BaseRunConfig;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); restore it from the run or start a new run.`);
  }
  if (!config || typeof config.modality !== 'string' || typeof config.algo !== 'string') {
    throw new Error(`${file} lacks "modality" and "algo"; it was not written by "data2vec pretrain".`);
  }
  delete (config as { runtime?: unknown }).runtime;
  return config;
}

/** Pretrain a model and return the run summary (the object `--json` prints). */
export async function pretrain(options: PretrainOptions = {}): Promise<PretrainSummary> {
  const started = Date.now();
  let config: BaseRunConfig;
  let runDir: string;
  if (options.resume) {
    runDir = options.resume;
    config = applyOverrides(readRunConfig(runDir), { ...options.overrides, data: options.overrides?.data });
  } else {
    const recipe = getRecipe(options.modality ?? 'image', options.algo ?? 'v1');
    config = recipe.config(options.preset ?? 'tiny', options.overrides ?? {});
    runDir = options.out ?? path.join('runs', `${config.modality}-${config.algo}-${config.preset}-${timestamp()}`);
  }
  const recipe = getRecipe(config.modality, config.algo);
  makeDir(runDir, 'pass another run folder with --out');
  const staleFiles = removeStaleTempFiles(runDir);
  await recipe.prepareData?.(config, options.dataProgress ?? {});
  const data = recipe.loadData(config);
  const setup = recipe.build(config, data);
  const backend = currentBackend()?.name ?? tf.getBackend();
  // On wasm the heap has a hard limit: measure an update's peak and refuse a batch that cannot fit
  // (bundled data only: a streamed source reads each update's batches once).
  let memory: string | undefined;
  if (tf.getBackend() === 'wasm' && setup.batches.prepare === undefined) {
    const probe = setup.batches(0, 0);
    const estimate = estimateUpdateMemory(setup.objective, probe, config.trainer.batchSize);
    tf.dispose(probe as unknown as tf.TensorContainer);
    if (estimate) {
      memory = describeUpdateMemory(estimate, config.trainer.batchSize);
      assertUpdateFits(estimate, config.trainer.batchSize);
    }
  }
  const adapter = currentBackend()?.adapter;
  const webgpu = currentBackend()?.webgpu;
  const threads = tf.getBackend() === 'wasm' ? matMulThreads() : undefined;
  // `runtime` records where the run trained; it is not part of the config read back on resume.
  writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify({ ...config, runtime: { backend, adapter, webgpu, threads } }, null, 2) + '\n');
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer, runDir, config);
  const startUpdate = options.resume ? trainer.resumeFrom(runDir) : 0;
  const parameters = setup.objective.countParameters();
  options.onStart?.({ config, runDir, dataDescription: data.describe, startUpdate, parameters, memory });
  const startWarnings = staleFiles.map((f) => `removed ${f}, left by a write that was interrupted (the files it was replacing are intact).`);
  startWarnings.forEach((w) => options.onWarning?.(w));
  let peakTensorBytes = tf.memory().numBytes;
  let peakRss = process.memoryUsage().rss;
  const writeReport = (rows: MetricsRow[], warnings: string[]) => {
    if (options.report === false) return;
    const last = rows[rows.length - 1];
    writeRunReport(path.join(runDir, 'report.html'), {
      title: `data2vec ${config.algo} ${config.modality} (${config.preset}) — ${path.basename(runDir)}`,
      summary: {
        updates: last?.step ?? 0,
        'final loss': last ? last.loss.toFixed(4) : '-',
        'final target_var': last ? last.target_var.toFixed(4) : '-',
        'final pred_var': last ? last.pred_var.toFixed(4) : '-',
        backend,
        data: data.describe,
        parameters,
      },
      config,
      figures: trainingFigures(rows, { collapseThreshold: config.trainer.collapse.minTargetVar }),
      notes: warnings,
    });
  };
  const skippedAtStart = data.skips?.skipped.length ?? 0;
  const run = registerRun(options.signal);
  let result: Awaited<ReturnType<typeof trainer.run>>;
  try {
    result = await trainer.run({
      signal: run.signal,
      onWarning: options.onWarning,
      onUpdate: (row) => {
        peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        options.onUpdate?.(row);
      },
      onCheckpoint: () => writeReport(trainer.metrics.rows, []),
    });
  } finally {
    run.release();
  }
  const skippedInTraining = data.skips?.skipped.slice(skippedAtStart) ?? [];
  if (skippedInTraining.length > 0) {
    const line = `training skipped ${skippedInTraining.length} unreadable file${skippedInTraining.length === 1 ? '' : 's'} (${countByKind(skippedInTraining)}), each replaced by the next readable one; first: ${skippedInTraining[0].reason}`;
    result.warnings.push(line);
    options.onWarning?.(line);
  }
  writeReport(result.rows, result.warnings);
  const rows = result.rows;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const newRows = rows.filter((r) => r.step > startUpdate);
  trainer.dispose();
  setup.objective.dispose();
  return {
    modality: config.modality,
    algo: config.algo,
    preset: config.preset,
    steps: result.updates,
    backend,
    ...(adapter ? { adapter } : {}),
    ...(webgpu ? { webgpu } : {}),
    loss_first: first?.loss ?? NaN,
    loss_last: last?.loss ?? NaN,
    target_var_last: last?.target_var ?? NaN,
    pred_var_last: last?.pred_var ?? NaN,
    samples_per_sec: medianSamplesPerSec(newRows.length > 0 ? newRows : rows),
    run_dir: runDir,
    seconds: (Date.now() - started) / 1000,
    stopped: result.stopped,
    resumed_from: startUpdate,
    parameters,
    peak_tensor_mb: peakTensorBytes / 2 ** 20,
    peak_rss_mb: peakRss / 2 ** 20,
    warnings: [...startWarnings, ...result.warnings],
    config,
  };
}
