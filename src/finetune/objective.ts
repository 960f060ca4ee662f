/**
 * Supervised classification as a trainer objective (spec §6, Appendix A's loop with
 * a labelled loss instead of the teacher): gradient-free encoding only while the
 * encoder is frozen (the first `freezeEncoderFraction` of the updates), the
 * soft-target cross-entropy inside the tape (with the batch's arg-max agreement as
 * `train_accuracy`), and an after-update hook that evaluates on the held-out split.
 */
import * as tf from '@tensorflow/tfjs';
import { LossOutputs, Objective } from '../train/objective';
import { ClassifierInput, LabelledSplit } from '../modalities/recipe';
import { Classifier } from './classifier';
import { softTargetCrossEntropy } from './label-smoothing';

/** One fine-tuning micro-batch: the model input (one batch, or one input per sample where samples are encoded one at a time) and its soft targets [B, K]. */
export interface FinetuneBatch {
  input: ClassifierInput | ClassifierInput[];
  targets: tf.Tensor;
  /** Train the head only in this batch (the encoder gets no gradient, so AdamW leaves it and its moments untouched). */
  frozenEncoder?: boolean;
}

export class ClassificationObjective implements Objective<FinetuneBatch> {
  /**
   * @param afterUpdate returns the scalars to log after update `update` (held-out accuracy when due, else NaN)
   */
  constructor(
    readonly module: Classifier,
    private readonly split: LabelledSplit,
    private readonly afterUpdateHook: (update: number) => Promise<Record<string, number>>,
  ) {}

  /** While the encoder is frozen, its pooled outputs are computed here, outside the gradient tape. */
  prepare(batch: FinetuneBatch): Record<string, tf.Tensor> {
    return batch.frozenEncoder ? { pooled: tf.tidy(() => this.module.pool(this.split, batch.input)) } : {};
  }

  loss(batch: FinetuneBatch, prepared: Record<string, tf.Tensor>): LossOutputs {
    const logits = prepared.pooled ? this.module.classify(prepared.pooled) : this.module.forward(this.split, batch.input);
    const loss = softTargetCrossEntropy(logits, batch.targets);
    const agree = tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.argMax(batch.targets, -1)), 'float32')) as tf.Scalar;
    return { loss, scalars: { train_accuracy: agree } };
  }

  afterUpdate(update: number): Promise<Record<string, number>> {
    return this.afterUpdateHook(update);
  }

  extraState(): [string, tf.Variable][] {
    return [];
  }

  restore(): void {
    /* nothing besides the weights and the optimizer */
  }
}
