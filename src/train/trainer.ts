/**
 * The training loop (spec §6, Appendix A): for each optimizer update, run the
 * objective on `accumulation` micro-batches (teacher work outside the gradient
 * tape, loss inside), average the gradients, clip by global norm, take one AdamW
 * step at the scheduled LR, then call the objective's after-update hook (one EMA
 * step per update, trap 6). Batches and stochastic layers are seeded from
 * (seed, update, micro-batch), so a resumed run reproduces an uninterrupted one.
 * Checkpoints are written atomically every `checkpointEvery` updates and at the end.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { AdamW, AdamWOptions, defaultNoDecay } from './adamw';
import { ScheduleSpec, buildSchedule } from './schedules';
import { clipGradNorm } from './grad-clip';
import { Objective } from './objective';
import { saveCheckpoint, loadCheckpoint } from './checkpoint';
import { NonfiniteGuard } from './nonfinite-guard';
import { MetricsLog, MetricsRow } from './metrics-log';
import { CollapseThresholds, collapseWarning } from './collapse-guard';
import { guardDeviceMemory } from '../backend/webgpu';
import { BatchSamples } from '../util/drawn-samples';

export interface TrainerConfig {
  /** Total optimizer updates of the run. */
  updates: number;
  /** Samples per micro-batch (for throughput). */
  batchSize: number;
  /** Micro-batches per update (gradient accumulation); default 1. */
  accumulation: number;
  optimizer: AdamWOptions;
  /** Parameter names (beyond 1-D and biases) that skip weight decay. */
  noDecayNames?: string[];
  /**
   * Decay every parameter, biases and norms included (spec trap 18: fairseq v1 audio and
   * text, and v2 audio's plain `adam`, apply weight decay to all parameters).
   */
  decayAll?: boolean;
  schedule: ScheduleSpec;
  /** Global-norm clip; 0 disables. */
  clipNorm: number;
  seed: number;
  /** Write a checkpoint every this many updates (0: only at the end). */
  checkpointEvery: number;
  /** Non-finite updates (loss or gradient norm) to skip before one stops the run; default 0 (`--skip-nonfinite`). */
  skipNonfinite?: number;
  collapse: CollapseThresholds;
}

/**
 * Makes the micro-batch for (update, micro); must be deterministic. A source
 * that streams from disk (decoded on worker threads) also has `prepare`, which
 * the trainer awaits before each update so that the batches are ready; the
 * time spent there and in the calls is the update's `data_wait_ms`. A source that
 * has `samples` reports, after a call, which samples that micro-batch holds (dataset
 * indices or files); a non-finite update's record lists them.
 */
export type BatchSource<B> = ((update: number, micro: number) => B) & {
  prepare?: (update: number) => Promise<void>;
  samples?: (update: number, micro: number) => BatchSamples | undefined;
};

export interface TrainerHooks {
  onUpdate?: (row: MetricsRow) => void;
  onWarning?: (message: string) => void;
  onCheckpoint?: (file: string, update: number) => void;
  /** Abort to stop after the current update (a checkpoint is written first). */
  signal?: AbortSignal;
}

export interface TrainResult {
  rows: MetricsRow[];
  /** Updates completed (including those before a resume). */
  updates: number;
  stopped: boolean;
  warnings: string[];
}

export class Trainer<B> {
  readonly optimizer: AdamW;
  readonly metrics: MetricsLog;
  private readonly params: [string, tf.Variable][];
  private readonly nameOf: Map<string, string>;
  private done = 0;
  private readonly nonfinite: NonfiniteGuard;
  private lastCheckpoint?: number;
  /** The next update's first micro-batch, built while the device finished this one (sources without `prepare`). */
  private prefetched?: { update: number; batch: B };
  /**
   * Build the next update's first micro-batch while the device runs this one's
   * kernels (on by default on `webgpu`, where the read of an update's scalars waits
   * for the GPU; on wasm/cpu the kernels have run by then, so there is nothing to
   * overlap). Never for a source with `prepare` (streamed from disk).
   */
  prefetch = tf.getBackend() === 'webgpu';

  /**
   * @param runDir where checkpoints and metrics.csv go (omit to keep everything in memory)
   * @param config the resolved run config saved into checkpoints
   */
  constructor(
    readonly objective: Objective<B>,
    readonly batches: BatchSource<B>,
    readonly config: TrainerConfig,
    readonly runDir?: string,
    private readonly runConfig: unknown = config,
  ) {
    this.params = objective.module.namedTrainableParameters();
    this.nameOf = new Map(this.params.map(([n, v]) => [v.name, n]));
    const moduleNoDecay = objective.module.noWeightDecayNames();
    const byRule = defaultNoDecay(config.noDecayNames ?? []);
    this.optimizer = new AdamW(this.params, config.optimizer, (name, rank) => !config.decayAll && (moduleNoDecay.has(name) || byRule(name, rank)));
    this.metrics = new MetricsLog(runDir ? `${runDir}/metrics.csv` : undefined);
    this.nonfinite = new NonfiniteGuard(config.skipNonfinite ?? 0, runDir);
  }

  /**
   * Where the last update's wall time went, in ms: `record` from its start to the
   * read of its scalars (building batches and recording the forward and backward
   * kernels), `read` waiting for that read (the device finishing them), `after` the
   * optimizer step and the teacher update. On a GPU a large `record` beside a small
   * `read` means the host, not the GPU, sets the pace.
   */
  lastTiming: { record: number; read: number; after: number } = { record: 0, read: 0, after: 0 };

  /** Updates completed so far. */
  get updatesDone(): number {
    return this.done;
  }

  /** Continue from the checkpoint in `dir` (weights, teacher, optimizer, metrics). Returns the update reached. */
  resumeFrom(dir: string): number {
    const info = loadCheckpoint(dir, { module: this.objective.module, optimizer: this.optimizer, extra: this.objective.extraState() });
    this.done = info.update;
    this.objective.restore(info.update);
    this.metrics.resume(info.update);
    this.nonfinite.skipped = this.metrics.rows[this.metrics.rows.length - 1]?.nonfinite_skipped ?? 0;
    this.lastCheckpoint = info.update;
    return info.update;
  }

  /** Write a checkpoint now (atomically). */
  async checkpoint(): Promise<string | undefined> {
    if (!this.runDir) return undefined;
    this.lastCheckpoint = this.done;
    return saveCheckpoint(this.runDir, { module: this.objective.module, optimizer: this.optimizer, extra: this.objective.extraState() }, this.done, this.runConfig);
  }

  /**
   * One optimizer update; resolves to its metrics row. The update's scalars
   * (loss, target and prediction variance, ..., of every micro-batch, and the
   * gradient norm) stay on the device until one read at the end. `waitedMs`:
   * time already spent waiting for this update's data (`data_wait_ms`). On a GPU,
   * an update that does not fit in memory fails with the batch size and what to change.
   */
  async step(waitedMs = 0): Promise<MetricsRow> {
    return guardDeviceMemory(() => this.update(waitedMs), this.config.batchSize, this.config.accumulation);
  }

  private async update(waitedMs: number): Promise<MetricsRow> {
    const u = this.done;
    const { accumulation, seed } = this.config;
    const lr = buildSchedule(this.config.schedule)(u);
    const started = Date.now();
    const startedAt = performance.now();
    const scalars: [string, tf.Tensor][] = [];
    let acc: Map<string, tf.Tensor> | undefined;
    let dataMs = waitedMs;
    const samples: (BatchSamples | undefined)[] = [];
    for (let j = 0; j < accumulation; j++) {
      const asked = performance.now();
      const batch = this.batchFor(u, j);
      samples.push(this.batches.samples?.(u, j));
      dataMs += performance.now() - asked;
      this.objective.module.reseed(new Rng(`${seed}:stochastic:${u}:${j}`));
      const prepared = this.objective.prepare(batch);
      let kept: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = this.objective.loss(batch, prepared);
        kept = Object.fromEntries(Object.entries(out.scalars).map(([k, v]) => [k, tf.keep(v)]));
        return out.loss;
      }, this.params.map(([, v]) => v));
      scalars.push(['loss', value], ...Object.entries(kept));
      for (const [k, v] of Object.entries(prepared)) {
        if (v.rank === 0) scalars.push([k, v]);
        else v.dispose();
      }
      tf.dispose(batch as unknown as tf.TensorContainer);
      if (!acc) {
        acc = new Map();
        for (const [vn, g] of Object.entries(grads)) acc.set(this.nameOf.get(vn)!, g);
      } else {
        for (const [vn, g] of Object.entries(grads)) {
          const n = this.nameOf.get(vn)!;
          const prev = acc.get(n);
          // a parameter unused by the earlier micro-batches (a block layerdrop skipped) starts here
          if (prev === undefined) {
            acc.set(n, g);
            continue;
          }
          acc.set(n, tf.add(prev, g));
          prev.dispose();
          g.dispose();
        }
      }
    }
    if (accumulation > 1) {
      for (const [n, g] of acc!) {
        acc!.set(n, tf.div(g, accumulation));
        g.dispose();
      }
    }
    const clipped = clipGradNorm(acc!, this.config.clipNorm);
    acc!.forEach((g) => g.dispose());
    // The one read of the update: every scalar and the gradient norm together, before the
    // optimizer step, so that a non-finite update is not applied.
    const all = tf.tidy(() => tf.stack([...scalars.map(([, v]) => tf.reshape(tf.cast(v, 'float32'), [])), clipped.norm]));
    tf.dispose([...scalars.map(([, v]) => v), clipped.norm]);
    const readAt = performance.now();
    const reading = all.data();
    // While the device runs the recorded kernels, the host builds the next update's batch
    // (a source that streams from disk is prepared by `run` instead).
    if (this.prefetch && !this.batches.prepare) this.prefetched = { update: u + 1, batch: this.batches(u + 1, 0) };
    const values = await reading;
    const readDone = performance.now();
    all.dispose();
    const sums: Record<string, number> = {};
    scalars.forEach(([k], i) => (sums[k] = (sums[k] ?? 0) + values[i]));
    const gradNorm = values[scalars.length];
    const microLosses = scalars.flatMap(([k], i) => (k === 'loss' ? [values[i]] : []));
    let skip: boolean;
    try {
      skip = this.nonfinite.check({ update: u, seed, microLosses, microSamples: samples, gradNorm, lastCheckpoint: this.lastCheckpoint });
    } catch (err) {
      clipped.grads.forEach((g) => g.dispose());
      throw err;
    }
    if (!skip) this.optimizer.step(clipped.grads, lr);
    clipped.grads.forEach((g) => g.dispose());
    this.done = u + 1;
    const after = skip ? {} : await this.objective.afterUpdate(this.done);
    this.lastTiming = { record: readAt - startedAt, read: readDone - readAt, after: performance.now() - readDone };
    const seconds = (Date.now() - started) / 1000;
    const row: MetricsRow = { step: this.done, lr, grad_norm: gradNorm, seconds, samples_per_sec: (this.config.batchSize * accumulation) / Math.max(seconds, 1e-9), data_wait_ms: dataMs, ...after };
    for (const [k, v] of Object.entries(sums)) row[k] = v / accumulation;
    if (this.nonfinite.limit > 0) row.nonfinite_skipped = this.nonfinite.skipped;
    this.metrics.append(row);
    return row;
  }

  /** Train until `config.updates` updates are done or the signal aborts. */
  async run(hooks: TrainerHooks = {}): Promise<TrainResult> {
    const warnings: string[] = [];
    let stopped = false;
    let collapsing = false;
    while (this.done < this.config.updates) {
      if (hooks.signal?.aborted) {
        stopped = true;
        break;
      }
      const waitStart = performance.now();
      await this.batches.prepare?.(this.done);
      const row = await this.step(performance.now() - waitStart);
      const warning = collapseWarning(this.done, row.target_var ?? Infinity, row.pred_var ?? Infinity, this.config.collapse);
      // Report the start of each collapse episode once, not every update of it.
      if (warning && !collapsing) {
        warnings.push(warning);
        hooks.onWarning?.(warning);
      }
      collapsing = warning !== undefined;
      hooks.onUpdate?.(row);
      if (this.config.checkpointEvery > 0 && this.done % this.config.checkpointEvery === 0 && this.done < this.config.updates) {
        const file = await this.checkpoint();
        if (file) hooks.onCheckpoint?.(file, this.done);
      }
      // Let signals (Ctrl-C) and timers in between updates: reads on wasm and cpu resolve without a turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const file = await this.checkpoint();
    if (file) hooks.onCheckpoint?.(file, this.done);
    return { rows: this.metrics.rows, updates: this.done, stopped, warnings };
  }

  dispose(): void {
    this.dropPrefetched();
    this.optimizer.dispose();
  }

  /** Micro-batch (u, j): the prefetched one when it is that, else made now. */
  private batchFor(u: number, j: number): B {
    const p = this.prefetched;
    if (p && p.update === u && j === 0) {
      this.prefetched = undefined;
      return p.batch;
    }
    this.dropPrefetched();
    return this.batches(u, j);
  }

  private dropPrefetched(): void {
    if (this.prefetched) tf.dispose(this.prefetched.batch as unknown as tf.TensorContainer);
    this.prefetched = undefined;
  }
}
