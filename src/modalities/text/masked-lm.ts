/**
 * A masked language model on the data2vec 1.0 text encoder (the RoBERTa objective,
 * P1 §4.3's baseline): the student encoder sees the same masked batch as data2vec 1.0
 * text (`masked-batch-v1.ts`, BERT 15 % with 80/10/10), a RoBERTa LM head with tied
 * embeddings (`nn/lm-head.ts`) predicts the original token ids, and the loss is the
 * cross-entropy at the batch's loss positions (`train/masked-token-loss.ts`). No
 * teacher, no EMA. It is the control of the text benchmarks: the same encoder, data,
 * masking, optimizer and schedule as `pretrain --modality text --algo v1`, trained
 * with the target whose learnability is not in question.
 *
 * The encoder is built first from the init generator, as `Data2VecV1` builds its
 * student, so a model of seed s starts from exactly the encoder that data2vec 1.0 and
 * the random-init probe of seed s start from.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module';
import { LmHead } from '../../nn/lm-head';
import { Rng } from '../../util/rng';
import { V1Batch } from '../../data2vec/data2vec-v1';
import { LossOutputs, Objective } from '../../train/objective';
import { maskedTokenCrossEntropy } from '../../train/masked-token-loss';
import { TextEncoderV1 } from './encoder-v1';
import type { TextV1Config } from './presets-v1';

/**
 * RoBERTa's masked-language-model objective on the data2vec 1.0 text encoder, trainable
 * by `Trainer` on the text v1 recipe's batches (see the file header). The trained
 * `encoder` is what the control probes (`probeEncoder`).
 */
export class MaskedLanguageModel extends Module implements Objective<V1Batch> {
  /** The text encoder being trained, built as data2vec 1.0's student of the same seed. */
  readonly encoder: TextEncoderV1;
  /** The LM head reading logits through `encoder`'s token embedding table. */
  readonly lmHead: LmHead;

  /**
   * @param config a text v1 run config; its `teacherInput` must be `unmasked`, since the
   *   batch's teacher input is then the original sentence, i.e. the ids to predict
   * @param init the init generator (default `${config.seed}:init`, as the recipes use)
   */
  constructor(config: Pick<TextV1Config, 'model' | 'teacherInput' | 'seed'>, init: Rng = new Rng(`${config.seed}:init`)) {
    super();
    if (config.teacherInput !== 'unmasked') {
      throw new Error(`a masked language model predicts the original sentence, so teacherInput must be "unmasked", got ${JSON.stringify(config.teacherInput)}.`);
    }
    this.encoder = this.addChild('encoder', new TextEncoderV1(config.model, init));
    this.lmHead = this.addChild('lm_head', new LmHead(this.encoder.embeddings.wordEmbeddings.weight, init, { eps: config.model.eps }));
  }

  /** The module the optimizer trains: the encoder and the LM head (the whole model). */
  get module(): Module {
    return this;
  }

  /** Logits [B, T, vocab] of the student's masked input. */
  logits(batch: Pick<V1Batch, 'studentInput' | 'padMask'>): tf.Tensor {
    return tf.tidy(() => {
      const out = this.encoder.forward(batch.studentInput, { padMask: batch.padMask }).out;
      const [b, t, d] = out.shape;
      return this.lmHead.forward(out.reshape([b * t, d])).reshape([b, t, -1]);
    });
  }

  /** Nothing to prepare outside the gradient tape: there is no teacher. */
  prepare(): Record<string, tf.Tensor> {
    return {};
  }

  /** Cross-entropy at `lossMask` against the original ids (`teacherInput`); `mlm_accuracy` is logged beside it. */
  loss(batch: V1Batch): LossOutputs {
    const r = maskedTokenCrossEntropy(this.logits(batch), batch.teacherInput, batch.lossMask);
    return { loss: r.loss, scalars: { mlm_accuracy: r.accuracy } };
  }

  /** No EMA teacher to step: nothing runs after an update. */
  afterUpdate(): Record<string, number> {
    return {};
  }

  /** No state besides the trained parameters. */
  extraState(): [string, tf.Variable][] {
    return [];
  }

  /** Nothing to restore besides the parameters a checkpoint loads. */
  restore(): void {}
}
