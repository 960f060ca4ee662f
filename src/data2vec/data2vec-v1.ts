/**
 * data2vec 1.0 (spec Appendix A, "v1"): the student encodes the masked input
 * (mask embedding in place, full length), a regression head predicts at masked
 * positions, and the loss regresses the EMA teacher's normalised average of its
 * top-K layers, computed on the unmasked input in eval mode without gradients.
 * Works for any `MaskedEncoder`; the modality decides what the inputs are.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Rng } from '../util/rng';
import { EmaConfig, EmaTeacher } from './ema-teacher';
import { MaskedEncoder } from './encoder-contract';
import { LossConfig, maskedRegressionLoss } from './losses';
import { RegressionHead } from '../nn/regression-head';
import { TargetConfig, buildTargets } from './targets';
import { computeVar } from './diagnostics';
import { LossOutputs, Objective } from '../train/objective';

export interface Data2VecV1Config {
  targets: TargetConfig;
  loss: LossConfig;
  ema: EmaConfig;
  /** 1: Linear(D, D) (vision, speech); 2: Linear(D, 2D) → GELU → Linear(2D, D) (text). */
  headLayers: 1 | 2;
}

/** One micro-batch for data2vec 1.0. */
export interface V1Batch {
  /** What the student sees (images, or token ids already replaced by `<mask>`). */
  studentInput: tf.Tensor;
  /** What the teacher sees: the unmasked input. */
  teacherInput: tf.Tensor;
  /** [B, T]: positions the encoder replaces by its mask embedding (images, speech); absent for text. */
  mask?: tf.Tensor;
  /** [B, T]: positions that count in the loss. */
  lossMask: tf.Tensor;
  /** [B, T]: 1 at padding. */
  padMask?: tf.Tensor;
}

export class Data2VecV1<E extends MaskedEncoder> extends Module implements Objective<V1Batch> {
  readonly encoder: E;
  readonly head: RegressionHead;
  readonly ema: EmaTeacher<E>;

  /**
   * @param buildEncoder makes an encoder from an Rng; called twice (student, teacher skeleton)
   */
  constructor(buildEncoder: (rng: Rng) => E, readonly config: Data2VecV1Config, rng: Rng) {
    super();
    this.encoder = this.addChild('encoder', buildEncoder(rng));
    this.head = this.addChild('head', new RegressionHead(this.encoder.dim, config.headLayers, rng));
    const teacherRng = rng.fork();
    this.ema = new EmaTeacher(this.encoder, () => buildEncoder(teacherRng), config.ema);
  }

  get module(): Module {
    return this;
  }

  /** The teacher network (EMA of the encoder). */
  get teacher(): E {
    return this.ema.model;
  }

  /** Teacher targets [B, T, D] for the unmasked input; no gradient reaches the teacher. */
  targets(batch: Pick<V1Batch, 'teacherInput' | 'padMask'>): tf.Tensor {
    return tf.tidy(() => {
      const r = this.teacher.forward(batch.teacherInput, { padMask: batch.padMask });
      return buildTargets(r.layers, this.config.targets, batch.padMask);
    });
  }

  /** Student predictions [B, T, D] (head applied at every position; the loss keeps masked ones). */
  predict(batch: Pick<V1Batch, 'studentInput' | 'mask' | 'padMask'>): tf.Tensor {
    return tf.tidy(() => {
      const r = this.encoder.forward(batch.studentInput, { mask: batch.mask, padMask: batch.padMask });
      return this.head.forward(r.out);
    });
  }

  prepare(batch: V1Batch): Record<string, tf.Tensor> {
    return tf.tidy(() => {
      const targets = this.targets(batch);
      return { targets, target_var: computeVar(targets, batch.lossMask) };
    });
  }

  loss(batch: V1Batch, prepared: Record<string, tf.Tensor>): LossOutputs {
    const pred = this.predict(batch);
    const loss = maskedRegressionLoss(pred, prepared.targets, batch.lossMask, this.config.loss);
    const predVar = computeVar(pred, batch.lossMask);
    return { loss, scalars: { pred_var: predVar } };
  }

  afterUpdate(update: number): Record<string, number> {
    const r = this.ema.step(update);
    return { ema_decay: r.tau };
  }

  extraState(): [string, tf.Variable][] {
    return this.teacher.namedParameters('teacher');
  }

  restore(update: number): void {
    this.ema.setUpdates(update);
  }

  override dispose(): void {
    super.dispose();
    this.ema.dispose();
  }
}
