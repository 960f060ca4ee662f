/**
 * What the trainer needs from a self-supervised model (spec Appendix A): work
 * that needs no gradient (the teacher) runs before the gradient tape; the loss
 * runs inside it; a hook runs after each optimizer update (the EMA step).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';

export interface LossOutputs {
  loss: tf.Scalar;
  /** Diagnostics computed with the loss (e.g. pred_var); the trainer reads and disposes them. */
  scalars: Record<string, tf.Scalar>;
}

export interface Objective<B> {
  /** The module whose trainable parameters the optimizer updates. */
  readonly module: Module;
  /** Gradient-free work for a micro-batch (teacher targets, target_var). The trainer disposes the result. */
  prepare(batch: B): Record<string, tf.Tensor>;
  /** The loss for a micro-batch, run inside the gradient tape. */
  loss(batch: B, prepared: Record<string, tf.Tensor>): LossOutputs;
  /** Called once after optimizer update number `update` (1, 2, …); returns scalars to log (e.g. ema_decay). */
  afterUpdate(update: number): Record<string, number> | Promise<Record<string, number>>;
  /** Non-trained state to checkpoint (e.g. the teacher's weights), by name. */
  extraState(): [string, tf.Variable][];
  /** Restore bookkeeping after loading a checkpoint written after `update` updates. */
  restore(update: number): void;
}
