/**
 * The EMA teacher (spec §4, traps 4–6): it starts as an exact copy of the student
 * and, once per optimizer update, moves Δ ← τΔ + (1−τ)θ. Parameters whose names
 * start with a `shared` prefix are copied from the student instead (fairseq
 * `skip_keys`), as are fixed (non-trainable) tables, like fairseq's buffers.
 * At τ = 1 nothing is averaged (the teacher is frozen). The teacher module is
 * kept in eval mode (no dropout, drop-path or layerdrop) and is never handed to
 * the optimizer, so no gradient reaches it. Accumulators are float32.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { EmaSchedule, annealedTau, validateEmaSchedule } from './ema-schedule';
import { rowKernelsActive, runRowKernel } from '../backend/row-kernels';

export interface EmaConfig extends EmaSchedule {
  /** Name prefixes of parameters shared with (copied from) the student rather than averaged. */
  shared?: string[];
}

export interface EmaStepResult {
  /** The τ used (or that would have been used) for this update. */
  tau: number;
  /** False when the step was skipped: a repeated update number, or τ = 1. */
  stepped: boolean;
}

export class EmaTeacher<M extends Module> {
  /** The teacher network, always in eval mode. */
  readonly model: M;
  private lastUpdate = 0;
  private readonly pairs: { name: string; teacher: tf.Variable; student: tf.Variable; copy: boolean }[];

  /**
   * @param student the network to follow
   * @param build makes a fresh network of the same architecture (its weights are overwritten)
   */
  constructor(student: M, build: () => M, readonly config: EmaConfig) {
    validateEmaSchedule(config);
    this.model = build();
    this.model.copyFrom(student);
    this.model.eval();
    const studentParams = new Map(student.namedParameters());
    const trainable = new Set(student.namedTrainableParameters().map(([n]) => n));
    const shared = config.shared ?? [];
    this.pairs = this.model.namedParameters().map(([name, teacher]) => ({
      name,
      teacher,
      student: studentParams.get(name)!,
      copy: !trainable.has(name) || shared.some((p) => name === p || name.startsWith(`${p}.`)),
    }));
  }

  /** Names of parameters copied from the student at each step. */
  get sharedNames(): string[] {
    return this.pairs.filter((p) => p.copy).map((p) => p.name);
  }

  /** Number of EMA updates applied so far (the update number of the last step). */
  get updates(): number {
    return this.lastUpdate;
  }

  /** τ for a given update number. */
  tau(update: number): number {
    return annealedTau(this.config, update);
  }

  /**
   * Call after optimizer update number `update` (1, 2, …) with post-update student
   * weights. Exactly one EMA step per update: a repeated or older number is ignored
   * (so gradient accumulation cannot step twice, trap 6).
   */
  step(update: number): EmaStepResult {
    const tau = this.tau(update);
    if (update <= this.lastUpdate) return { tau, stepped: false };
    this.lastUpdate = update;
    for (const p of this.pairs) {
      if (p.copy) p.teacher.assign(p.student);
    }
    if (tau >= 1) return { tau, stepped: false };
    tf.tidy(() => {
      for (const p of this.pairs) {
        if (p.copy) continue;
        // on wasm one kernel with the same float32 operations (src/backend/row-kernels.ts)
        const fused = p.teacher.dtype === 'float32' && p.student.dtype === 'float32' && rowKernelsActive();
        p.teacher.assign(fused
          ? runRowKernel('D2vEma', { teacher: p.teacher, student: p.student }, { tau })[0]
          : tf.add(tf.mul(p.teacher, tau), tf.mul(p.student, 1 - tau)));
      }
    });
    return { tau, stepped: true };
  }

  /** Restore the update counter after loading teacher weights from a checkpoint. */
  setUpdates(update: number): void {
    this.lastUpdate = update;
  }

  dispose(): void {
    this.model.dispose();
  }
}
