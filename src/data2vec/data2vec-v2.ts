/**
 * data2vec 2.0 (spec Appendix A "v2", §2.5, §3.2, §4.2, §5.2–5.3; fairseq
 * `Data2VecMultiModel.forward`), shared by every modality:
 * 1. the student's local features are repeated M times (`repeat_interleave`, one
 *    clone per mask, trap 10) and the modality encoder keeps only the visible tokens
 *    of each clone (trap 9), so the encoder runs on K ≪ T tokens;
 * 2. the decoder gets the encoder outputs at kept positions and N(0, σ) noise at
 *    masked ones, un-shuffled to the original order, and predicts every position;
 * 3. the EMA teacher runs once per sample on the unmasked input (eval mode, no
 *    gradient); its main blocks' FFN outputs are instance-normed per layer,
 *    averaged, optionally layer-normed, then lined up with the clones as
 *    `repeat_interleave(M)` would (broadcast over the clone axis, not copied);
 * 4. loss: L2 × 1/√D (or a constant) summed over dims, averaged over the masked
 *    positions of all clones, plus, when `clsLoss` > 0 (images), the student CLS
 *    regressed onto the teacher's patch-mean target: `clsLoss` × Σ over the R clone
 *    rows (fairseq multiplies this term by `sample_size`, cancelling the criterion's
 *    per-masked-token normalisation);
 * 5. one EMA step per update over the backbone (never the decoder).
 *
 * Teacher input (§4.2): `'raw'` (images: the teacher's own local encoder on the raw
 * input), `'studentLocal'` (audio: the student's local features through the teacher's
 * context encoder), `'studentContext'` (text: the student's contextualised features,
 * train mode, through the teacher's blocks only, trap 28).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Dropout } from '../nn/dropout';
import { V2Decoder } from '../nn/decoders';
import { repeatInterleave, restoreTokens } from '../nn/gather-tokens';
import { Rng } from '../util/rng';
import { hashNormal } from '../backend/device-random';
import { EmaConfig, EmaTeacher } from './ema-teacher';
import { LossConfig, maskedRegressionLoss, perTokenLoss } from './losses';
import { TargetConfig, buildTargets } from './targets';
import { computeVar } from './diagnostics';
import { MaskInfo, sliceMaskInfo } from './v2-mask-info';
import { V2Backbone, V2EncoderResult, V2ModalityEncoder, dropExtraTokens } from './v2-backbone';
import { LossOutputs, Objective } from '../train/objective';

/** Where the teacher's input comes from (see the file header). */
export type V2TeacherInput = 'raw' | 'studentLocal' | 'studentContext';

/** The modality-independent data2vec 2.0 settings. */
export interface Data2VecV2Config {
  /** M masks (clones) per sample (`clone_batch`: images 16, audio 8, text 8). */
  clones: number;
  /** Targets from the main blocks (topK ≤ depth; source 'ffn'). */
  targets: TargetConfig;
  /** v2: L2 (beta 0), sum over dims, scale 1/√D (text: 1). */
  loss: LossConfig;
  ema: EmaConfig;
  /** Weight of the CLS term (`cls_loss`: 0.01 images, 0 otherwise). */
  clsLoss: number;
  /** Std of the noise at masked decoder inputs (`mask_noise_std` 0.01). */
  maskNoiseStd: number;
  /** Dropout on the encoder output before the decoder (`decoder.input_dropout`: 0 images, 0.1 audio/text). */
  decoderInputDropout: number;
  teacherInput: V2TeacherInput;
}

/** One micro-batch for data2vec 2.0. */
export interface V2Batch {
  /** Raw input of the B samples (images, waveforms, token ids). */
  input: tf.Tensor;
  /** Masks of the B·M clones, sample-major (row b·M + m is clone m of sample b). */
  mask: MaskInfo;
  /** [B, T] 1 at padding (local-feature resolution), when there is padding. */
  padMask?: tf.Tensor;
}

/** Throws a one-sentence error for an impossible v2 config. */
export function validateV2Config(c: Data2VecV2Config, depth: number, field = 'data2vec'): void {
  if (!Number.isInteger(c.clones) || c.clones < 1) throw new Error(`${field}.clones is ${c.clones}; it must be a positive integer (images 16, audio 8, text 8).`);
  if (!(c.targets.topK >= 1 && c.targets.topK <= depth)) throw new Error(`${field}.targets.topK is ${c.targets.topK}, but there are ${depth} main blocks; choose 1..${depth}.`);
  if (!(c.clsLoss >= 0)) throw new Error(`${field}.clsLoss is ${c.clsLoss}; it must be ≥ 0.`);
  if (!(c.maskNoiseStd >= 0)) throw new Error(`${field}.maskNoiseStd is ${c.maskNoiseStd}; it must be ≥ 0.`);
}

/**
 * L2/smooth-L1 regression over the masked positions of all clones (spec §5.2, trap 10):
 * pred [B·M, T, D] (row b·M + m is clone m of sample b), targets [B, T, D] broadcast
 * to the M clones of their sample, mask [B·M, T]; averaged over every masked position.
 */
export function cloneRegressionLoss(pred: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor, clones: number, config: LossConfig): tf.Scalar {
  return tf.tidy(() => {
    const [r, t, d] = pred.shape;
    const b = r / clones;
    if (!Number.isInteger(b) || targets.shape[0] !== b) throw new Error(`${r} prediction rows are not ${clones} clones of the ${targets.shape[0]} target rows.`);
    return maskedRegressionLoss(pred.reshape([b, clones, t, d]), targets.reshape([b, 1, t, d]), mask.reshape([b, clones, t]), config);
  });
}

export class Data2VecV2<E extends V2ModalityEncoder, D extends V2Decoder = V2Decoder> extends Module implements Objective<V2Batch> {
  readonly encoder: V2Backbone<E>;
  readonly decoder: D;
  readonly ema: EmaTeacher<V2Backbone<E>>;
  private readonly decoderInputDrop: Dropout;
  private noiseRng: Rng;

  /**
   * @param buildBackbone makes the modality encoder + main blocks from an Rng; called twice (student, teacher skeleton)
   * @param buildDecoder makes the decoder (student only)
   */
  constructor(buildBackbone: (rng: Rng) => V2Backbone<E>, buildDecoder: (rng: Rng) => D, readonly config: Data2VecV2Config, rng: Rng) {
    super();
    this.encoder = this.addChild('encoder', buildBackbone(rng));
    validateV2Config(config, this.encoder.depth);
    if (config.clsLoss > 0 && this.encoder.modality.numExtraTokens === 0) {
      throw new Error('data2vec.clsLoss > 0 needs a modality encoder with a CLS token (numExtraTokens ≥ 1); set clsLoss to 0.');
    }
    this.decoder = this.addChild('decoder', buildDecoder(rng));
    this.decoderInputDrop = this.addChild('decoder_input_dropout', new Dropout(config.decoderInputDropout, rng.fork()));
    this.noiseRng = rng.fork();
    const teacherRng = rng.fork();
    this.ema = new EmaTeacher(this.encoder, () => buildBackbone(teacherRng), config.ema);
  }

  get module(): Module {
    return this;
  }

  /** The teacher network (EMA of the backbone). */
  get teacher(): V2Backbone<E> {
    return this.ema.model;
  }

  protected override onReseed(rng: Rng): void {
    this.noiseRng = rng.fork();
  }

  /** The teacher's results on the unmasked input of the B samples (no gradient reaches anything). */
  teacherForward(batch: Pick<V2Batch, 'input' | 'padMask'>): V2EncoderResult {
    const t = this.teacher;
    switch (this.config.teacherInput) {
      case 'raw':
        return t.forward(batch.input, { padMask: batch.padMask });
      case 'studentLocal':
        return t.run(t.modality.contextualize(this.encoder.modality.localFeatures(batch.input), { padMask: batch.padMask }));
      case 'studentContext': {
        const s = this.encoder.modality;
        return t.run(s.contextualize(s.localFeatures(batch.input), { padMask: batch.padMask }));
      }
    }
  }

  /** Teacher targets [B, T, D] (before cloning). */
  targets(batch: Pick<V2Batch, 'input' | 'padMask'>): tf.Tensor {
    return tf.tidy(() => {
      const r = this.teacherForward(batch);
      return buildTargets(r.layers, this.config.targets, r.padMask);
    });
  }

  /** The student on the B·M clones: decoder predictions [R, T, D] at every position, and the CLS output [R, D]. */
  studentForward(batch: Pick<V2Batch, 'input' | 'mask' | 'padMask'>): { pred: tf.Tensor; cls?: tf.Tensor } {
    const { clones, maskNoiseStd } = this.config;
    const m = this.encoder.modality;
    const local = m.localFeatures(batch.input);
    const [b, t, d] = local.shape;
    const r = b * clones;
    if (batch.mask.rows !== r || batch.mask.clones !== clones || batch.mask.length !== t) {
      throw new Error(`the batch has ${batch.mask.rows} masks (${batch.mask.clones} per sample) of ${batch.mask.length} positions but ${b} samples × ${clones} clones of ${t} tokens; draw ${clones} masks per sample over ${t} positions.`);
    }
    const enc = this.encoder.run(m.contextualize(local, { mask: batch.mask, padMask: batch.padMask }));
    const visible = dropExtraTokens(this.decoderInputDrop.forward(enc.full), m.numExtraTokens);
    const masked = t - batch.mask.lenKeep;
    const noise = hashNormal([r, masked, d], 0, maskNoiseStd, this.noiseRng.int32());
    // Padding (text rows padded to the batch's longest) never reaches the decoder's convolutions.
    const keep = batch.padMask ? tf.sub(1, repeatInterleave(batch.padMask, clones)) : undefined;
    const pred = this.decoder.forward(restoreTokens(visible, noise, batch.mask.restoreIndex), keep);
    return { pred, cls: enc.cls };
  }

  /**
   * Teacher targets [B, T, D] (not materialised per clone: the loss broadcasts them over
   * the M clones, the same numbers as `repeat_interleave`), their `target_var` over the
   * masked positions of all clones, and the CLS target (patch mean) [B, D].
   */
  /** The first `samples` samples of a batch with their clones' masks (the update-memory probe's batches). */
  sliceBatch(batch: V2Batch, samples: number): V2Batch {
    return {
      input: tf.slice(batch.input, 0, samples),
      mask: sliceMaskInfo(batch.mask, samples),
      ...(batch.padMask ? { padMask: tf.slice(batch.padMask, 0, samples) } : {}),
    };
  }

  prepare(batch: V2Batch): Record<string, tf.Tensor> {
    return tf.tidy(() => {
      const y = this.targets(batch);
      const [b, t] = y.shape;
      // how many clones mask each position: the multiplicity of y[b, t] in y.repeat_interleave(M)[mask]
      const counts = tf.sum(batch.mask.mask.reshape([b, this.config.clones, t]), 1);
      const out: Record<string, tf.Tensor> = { targets: y, target_var: computeVar(y, counts) };
      if (this.config.clsLoss > 0) out.cls_target = tf.mean(y, 1);
      return out;
    });
  }

  loss(batch: V2Batch, prepared: Record<string, tf.Tensor>): LossOutputs {
    const { clones } = this.config;
    const { pred, cls } = this.studentForward(batch);
    const [r, t, d] = pred.shape;
    const b = r / clones;
    const regression = cloneRegressionLoss(pred, prepared.targets, batch.mask.mask, clones, this.config.loss);
    const scalars: Record<string, tf.Scalar> = { pred_var: computeVar(pred, batch.mask.mask) };
    let loss = regression;
    if (this.config.clsLoss > 0 && cls && prepared.cls_target) {
      const perRow = perTokenLoss(cls.reshape([b, clones, d]), prepared.cls_target.reshape([b, 1, d]), this.config.loss);
      const clsTerm = tf.mul(tf.sum(perRow), this.config.clsLoss) as tf.Scalar;
      scalars.loss_regression = regression;
      scalars.loss_cls = clsTerm;
      loss = tf.add(regression, clsTerm) as tf.Scalar;
    }
    // masked share of each row's real tokens (padding is never masked and not counted)
    const masked = t - batch.mask.lenKeep;
    scalars.masked_pct = batch.padMask
      ? (tf.mean(tf.div(masked, tf.sub(t, tf.sum(batch.padMask, 1)))) as tf.Scalar)
      : tf.scalar(masked / t);
    return { loss, scalars };
  }

  afterUpdate(update: number): Record<string, number> {
    return { ema_decay: this.ema.step(update).tau };
  }

  extraState(): [string, tf.Variable][] {
    return this.teacher.namedParameters('teacher');
  }

  restore(update: number): void {
    this.ema.setUpdates(update);
  }

  /** Student features for probing: the backbone without masks (eval mode is the caller's choice). */
  features(input: tf.Tensor, padMask?: tf.Tensor): V2EncoderResult {
    return this.encoder.forward(input, { padMask });
  }

  override dispose(): void {
    super.dispose();
    this.ema.dispose();
  }
}

