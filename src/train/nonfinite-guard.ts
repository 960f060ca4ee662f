/**
 * The non-finite guard (spec §6, as fairseq's trainer and the large-scale recipes do:
 * an update whose loss or gradient norm is NaN or infinite is not applied). The trainer
 * asks {@link NonfiniteGuard.check} after the gradients of an update are known and
 * before the optimizer step: up to `skipNonfinite` such updates are skipped (no
 * optimizer step, no EMA step, counted in the metrics as `nonfinite_skipped`); the next
 * one stops the run. Stopping writes `nonfinite-update-<n>.json` into the run folder
 * with what reproduces the update: the seed, the update and the micro-batches, whose
 * batches and stochastic layers are drawn from (seed, update, micro-batch) alone, and
 * each micro-batch's samples (dataset indices per input kind, or the files of a
 * streamed corpus) as its batch source reported them.
 */
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic-write';
import type { BatchSamples } from '../util/drawn-samples';

/** Thrown when a non-finite update stops the run; `file` is the record written (if there is a run folder). */
export class NonfiniteUpdateError extends Error {
  constructor(message: string, readonly update: number, readonly file?: string) {
    super(message);
    this.name = 'NonfiniteUpdateError';
  }
}

/** What the trainer measured for one update. */
export interface UpdateValues {
  /** 0-based update index (the metrics row's `step` is this + 1). */
  update: number;
  seed: number;
  /** Loss of each micro-batch, in order. */
  microLosses: number[];
  /** The samples of each micro-batch (dataset indices or files, as the batch source reports them), in order. */
  microSamples?: (BatchSamples | undefined)[];
  gradNorm: number;
  /** Updates whose checkpoint is on disk (the last good one), if any was written. */
  lastCheckpoint?: number;
}

export class NonfiniteGuard {
  /** Updates skipped so far in this run (restored from the metrics on resume). */
  skipped = 0;

  /** @param limit how many non-finite updates may be skipped before one stops the run (`--skip-nonfinite`) */
  constructor(readonly limit: number, private readonly runDir?: string) {
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`--skip-nonfinite must be an integer >= 0, got ${limit}.`);
  }

  /** `false` when the update is finite; `true` when it is to be skipped; throws {@link NonfiniteUpdateError} when it stops the run. */
  check(v: UpdateValues): boolean {
    const badMicro = v.microLosses.findIndex((l) => !Number.isFinite(l));
    if (badMicro < 0 && Number.isFinite(v.gradNorm)) return false;
    if (this.skipped < this.limit) {
      this.skipped++;
      return true;
    }
    const step = v.update + 1;
    const what = badMicro >= 0 ? `the loss of micro-batch ${badMicro} is ${v.microLosses[badMicro]}` : `the gradient norm is ${v.gradNorm}`;
    const kept = v.lastCheckpoint !== undefined ? `the checkpoint of update ${v.lastCheckpoint} is kept untouched` : 'no checkpoint was written';
    let file: string | undefined;
    if (this.runDir) {
      file = path.join(this.runDir, `nonfinite-update-${step}.json`);
      const record = {
        update: step,
        seed: v.seed,
        micro_batches: v.microLosses.map((loss, micro) => ({ micro, loss: String(loss), samples: v.microSamples?.[micro] ?? null })),
        grad_norm: String(v.gradNorm),
        skipped_before: this.skipped,
        reproduce: `the batch source and stochastic layers of (seed ${v.seed}, update index ${v.update}, micro-batch 0..${v.microLosses.length - 1}) give this update again; resume from the checkpoint to rerun it`,
      };
      writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
    }
    const skipped = this.limit > 0 ? ` after skipping ${this.skipped}` : '';
    throw new NonfiniteUpdateError(
      `update ${step}: ${what}, so the run stopped before its optimizer step${skipped}; ${kept}` +
        (file ? ` and the update is recorded in ${file}` : '') +
        `; lower the learning rate or enable gradient clipping, or pass --skip-nonfinite N to skip up to N such updates.`,
      step,
      file,
    );
  }
}
