/**
 * Linear probing, then fine-tuning: after `initHeadFromProbe` the classifier (batch
 * norm in eval mode + head) predicts what the fitted probe predicts, so its accuracy
 * on the fitting samples equals the probe's train accuracy, far above chance on
 * separable features; a LayerNorm head is refused with a sentence.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Module } from '../../src/nn/module';
import { Classifier } from '../../src/finetune/classifier';
import { initHeadFromProbe } from '../../src/finetune/probe-init';
import { classifierAccuracy } from '../../src/finetune/evaluate';
import { ClassifierInput, LabelledSplit } from '../../src/modalities/recipe';
import { Rng } from '../../src/util/rng';

/** Features [n, 1, dim] with class-dependent means (scale 0.3 on a common offset of 5), read as they are. */
function toySplit(n: number, dim: number, classes: number): LabelledSplit {
  const rng = new Rng('probe-init');
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const x = Float32Array.from({ length: n * dim }, (_, k) => 5 + 0.3 * centres[labels[Math.floor(k / dim)]][k % dim] + 0.2 * rng.normal());
  return {
    labels,
    evalBatchSize: 16,
    batch: (indices: readonly number[]): ClassifierInput => ({ input: tf.tensor3d(Float32Array.from(indices.flatMap((i) => Array.from(x.subarray(i * dim, (i + 1) * dim)))), [indices.length, 1, dim]) }),
    encode: (_encoder: Module, batch: ClassifierInput) => ({ out: batch.input }),
  };
}

describe('finetune/initHeadFromProbe', () => {
  it('makes the classifier predict as the fitted probe does', async () => {
    const split = toySplit(120, 8, 4);
    const model = new Classifier(new Module(), 8, 4, new Rng(0), 'mean', 1, 'batch');
    const indices = Array.from({ length: 120 }, (_, i) => i);
    const before = (await classifierAccuracy(model, split, indices)).accuracy;
    const probeTrain = await initHeadFromProbe(model, split, indices, 4);
    const after = (await classifierAccuracy(model, split, indices)).accuracy;
    expect(probeTrain).to.be.above(0.9);
    expect(after).to.be.closeTo(probeTrain, 1e-9);
    expect(before).to.be.below(0.6);
    model.disposeHead();
  });

  it('refuses a LayerNorm head', async () => {
    const model = new Classifier(new Module(), 8, 4, new Rng(0));
    let message = '';
    try {
      await initHeadFromProbe(model, toySplit(8, 8, 4), [0, 1, 2, 3], 4);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/needs headNorm "batch"/);
    model.disposeHead();
  });
});
