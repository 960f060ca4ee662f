/**
 * The fine-tuning classifier (spec §6 "Fine-tuning recipes", §7): the run's student
 * encoder, its token outputs mean-pooled (padding excluded; for speech the means of
 * a few consecutive time segments, concatenated) or its first output (the
 * `<s>` token the text recipes of the papers classify from), a
 * LayerNorm (`fc_norm` of the MAE / data2vec 2.0 recipe) or an affine-free batch
 * norm (the MAE linear-probe head) and a linear head whose
 * weight starts at N(0, 2e-5²) (MAE `main_finetune.py`) and bias at 0.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { LayerNorm } from '../nn/layer-norm';
import { BatchNorm1d } from '../nn/batch-norm';
import { Linear } from '../nn/linear';
import { meanPool } from '../eval/pooled-features';
import { segmentWeighted } from '../eval/segment-features';
import { ClassifierInput, LabelledSplit } from '../modalities/recipe';
import { Rng } from '../util/rng';

/** How token outputs become one vector: their mean, or the first token (`<s>` for text; only meaningful where the encoder keeps such a token in its outputs). */
export type Pooling = 'mean' | 'cls';

/** The norm before the head: `'layer'`, the fine-tuning recipes' `fc_norm`; `'batch'`, an affine-free batch norm (the MAE linear-probe head), which standardises each feature across samples. */
export type HeadNorm = 'layer' | 'batch';

export class Classifier extends Module {
  readonly fcNorm: LayerNorm | BatchNorm1d;
  readonly head: Linear;

  /**
   * @param encoder the student encoder (its parameters are registered under `encoder.`; the caller keeps ownership)
   * @param dim width of the encoder's outputs
   */
  /**
   * @param segments with mean pooling, the number of consecutive time segments whose means are concatenated (1: the whole-sequence mean; more for speech, see `eval/segment-features.ts`)
   */
  constructor(readonly encoder: Module, dim: number, numClasses: number, rng: Rng, readonly pooling: Pooling = 'mean', readonly segments = 1, headNorm: HeadNorm = 'layer') {
    super();
    if (segments > 1 && pooling !== 'mean') throw new Error(`segment pooling (segments ${segments}) goes with mean pooling, not ${pooling}.`);
    this.addChild('encoder', encoder);
    this.fcNorm = headNorm === 'batch'
      ? this.addChild('head_norm', new BatchNorm1d(dim * segments))
      : this.addChild('fc_norm', new LayerNorm(dim * segments, { eps: 1e-6 }));
    this.head = this.addChild('head', new Linear(dim * segments, numClasses, rng, { init: { kind: 'truncNormal', std: 2e-5 } }));
  }

  /** Pooled encoder outputs [B, D] for a batch of `split`, or for a list of samples each encoded on its own (speech clips of different lengths, whole). */
  pool(split: LabelledSplit, batch: ClassifierInput | readonly ClassifierInput[]): tf.Tensor {
    if (Array.isArray(batch)) return tf.concat(batch.map((one) => this.pool(split, one)));
    return this.poolOne(split, batch as ClassifierInput);
  }

  private poolOne(split: LabelledSplit, batch: ClassifierInput): tf.Tensor {
    const encoded = split.encode(this.encoder, batch);
    if (this.pooling === 'cls') {
      const [b, , d] = encoded.out.shape as number[];
      return encoded.out.slice([0, 0, 0], [b, 1, d]).reshape([b, d]);
    }
    if (this.segments === 1) return meanPool(encoded.out, encoded.padMask);
    if (encoded.padMask) throw new Error('segment pooling needs unpadded sequences (speech clips cropped to the batch\'s shortest or encoded one at a time).');
    return meanPool(segmentWeighted(encoded.out, this.segments));
  }

  /** Logits [B, K] of pooled outputs [B, D]. */
  classify(pooled: tf.Tensor): tf.Tensor {
    return this.head.forward(this.fcNorm.forward(pooled));
  }

  /** Logits [B, K] for a batch of `split` (or a list of samples, see `pool`). */
  forward(split: LabelledSplit, batch: ClassifierInput | readonly ClassifierInput[]): tf.Tensor {
    return this.classify(this.pool(split, batch));
  }

  /** Free the norm and the head (the encoder belongs to the model it came from). */
  disposeHead(): void {
    this.fcNorm.dispose();
    this.head.dispose();
  }
}
