/**
 * Speech fine-tuning trains on what it evaluates (`src/finetune/batches.ts`): with
 * the speech defaults, every clip of a training batch, encoded in train mode, gives
 * the classifier exactly the pooled features that evaluation computes for it (eval
 * mode, the whole clip alone). Cropping batches to their shortest clip, or the
 * pretraining dropout left on in the encoder, breaks the equality (checked too, so
 * the test can fail); both made the pretrained tiny speech data2vec 1.0 encoder
 * fine-tune far below random init.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { getRecipe } from '../../src/modalities/registry';
import { Classifier } from '../../src/finetune/classifier';
import { finetuneBatchSource, finetuneEncoderConfig } from '../../src/finetune/batches';
import { FinetuneSettings, finetuneSettings } from '../../src/finetune/settings';
import { ClassifierInput } from '../../src/modalities/recipe';
import { Rng } from '../../src/util/rng';

/** Largest difference between the pooled features of a training batch (train mode) and those of its clips evaluated alone (eval mode). */
function trainEvalGap(algo: string, overrides: Partial<FinetuneSettings>): { gap: number; lengths: number[] } {
  const recipe = getRecipe('audio', algo);
  const settings = finetuneSettings('audio', { batchSize: 6, ...overrides });
  const config = finetuneEncoderConfig(recipe.config('tiny'), settings);
  const data = recipe.loadData(config);
  const setup = recipe.build(config, data);
  const split = recipe.labelledSplit!(config, data, 'train');
  const model = new Classifier(setup.encoder, (config.model as { dim: number }).dim, data.numClasses, new Rng(1), settings.pooling, settings.segments, settings.headNorm);
  const trainIndices = Array.from({ length: split.labels.length }, (_, i) => i);
  const batch = finetuneBatchSource(settings, { split, trainIndices, numClasses: data.numClasses, encoder: setup.encoder, seed: 0 })(3);
  try {
    const gap = tf.tidy(() => {
      model.train();
      const training = model.pool(split, batch.input);
      model.eval();
      const evaluated = tf.concat(batch.indices.map((i) => model.pool(split, split.batch([i]) as ClassifierInput)));
      expect(training.shape).to.deep.equal(evaluated.shape);
      return tf.max(tf.abs(tf.sub(training, evaluated))).dataSync()[0];
    });
    return { gap, lengths: batch.indices.map((i) => split.lengths![i]) };
  } finally {
    tf.dispose(batch as unknown as tf.TensorContainer);
    model.disposeHead();
    setup.objective.dispose();
  }
}

describe('speech fine-tuning trains on the view it evaluates', function () {
  this.timeout(120000);

  for (const algo of ['v1', 'v2']) {
    it(`${algo}: a clip's pooled features are the same in a training batch and at evaluation`, () => {
      const defaults = trainEvalGap(algo, {});
      expect(new Set(defaults.lengths).size, 'the batch holds clips of different lengths').to.be.greaterThan(1);
      expect(defaults.gap).to.be.below(1e-4);
      // Controls: batches cropped to their shortest clip, or the encoder's pretraining dropout, change the features.
      expect(trainEvalGap(algo, { wholeClips: false }).gap).to.be.above(1e-2);
      expect(trainEvalGap(algo, { encoderDropout: null }).gap).to.be.above(1e-2);
    });
  }
});
