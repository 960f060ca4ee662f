/**
 * The update-memory estimate (src/backend/update-memory.ts): against the measured
 * peak of real updates of a small image v1 model on wasm, the refusal of a
 * batch that cannot fit, with the largest one that does, and data2vec 2.0 batches,
 * whose per-clone masks are cut with their samples.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { imageV1Recipe } from '../../src/modalities/image/recipe-v1';
import { Trainer } from '../../src/train/trainer';
import { meterPeakBytes } from '../../src/backend/heap-meter';
import {
  UpdateMemoryEstimate,
  assertUpdateFits,
  describeUpdateMemory,
  estimateUpdateMemory,
  estimatedPeakBytes,
  largestFittingBatch,
  sliceBatch,
} from '../../src/backend/update-memory';
import { imageData, microImageConfig } from '../helpers/tiny-image';
import { microRecipe } from '../helpers/micro-recipes';
import { V2Batch } from '../../src/data2vec/data2vec-v2';
import { MaskInfo, makeMaskInfo } from '../../src/data2vec/v2-mask-info';
import { hostRowIndex } from '../../src/nn/gather-tokens';

describe('update memory estimate', () => {
  it('predicts the measured peak of an update within 15 %', async function () {
    if (tf.getBackend() !== 'wasm') this.skip();
    this.timeout(120_000);
    const batch = 32;
    const config = microImageConfig({ batchSize: batch, steps: 4, set: { 'model.dim': '64', 'model.heads': '4' } });
    const setup = imageV1Recipe.build(config, imageData());
    const probe = setup.batches(0, 0);
    const estimate = estimateUpdateMemory(setup.objective, probe, batch) as UpdateMemoryEstimate;
    tf.dispose(probe as unknown as tf.TensorContainer);
    expect(estimate).to.not.equal(undefined);
    expect(estimate.perSampleBytes).to.be.greaterThan(0);
    const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
    // The first update also creates AdamW's moments, as the estimate assumes.
    const run = meterPeakBytes(() => trainer.step());
    await run.result;
    const measured = run.peakBytes;
    const predicted = estimatedPeakBytes(estimate, batch) - estimate.heldBytes;
    // eslint-disable-next-line no-console
    if (process.env.D2V_VERBOSE) console.log(`predicted ${predicted}, measured ${measured}`);
    expect(Math.abs(predicted - measured) / measured, `predicted ${predicted}, measured ${measured}`).to.be.below(0.15);
    trainer.dispose();
    setup.objective.dispose();
  });

  it('refuses a batch that cannot fit with the largest one that can', () => {
    const e: UpdateMemoryEstimate = { fixedBytes: 100e6, perSampleBytes: 20e6, heldBytes: 300e6, capacityBytes: 3.6e9 };
    const fits = largestFittingBatch(e);
    expect(fits).to.equal(Math.floor((3.6e9 - 400e6) / 20e6));
    expect(() => assertUpdateFits(e, fits)).to.not.throw();
    expect(() => assertUpdateFits(e, fits + 1)).to.throw(
      `batch ${fits + 1} needs about 3.37 GB per update, more than the 3.35 GB the wasm heap can hold; the largest batch that fits is ${fits}: pass --batch-size ${fits} (and --accumulation to keep the effective batch).`,
    );
    expect(() => assertUpdateFits({ ...e, heldBytes: 4e9 }, 1)).to.throw(/no batch fits: pick a smaller preset/);
    expect(describeUpdateMemory(e, 64)).to.equal('memory: about 1.56 GB at the peak of an update at batch 64 (wasm heap limit 3.35 GB, batch ≤ 160)');
    expect(largestFittingBatch({ ...e, capacityBytes: Infinity })).to.equal(Infinity);
  });

  it('slices every batch-sized tensor of a batch and nothing else', () => {
    const batch = { a: tf.ones([4, 3]), b: tf.ones([2, 4]), c: 7 };
    const part = sliceBatch(batch, 4, 1) as typeof batch;
    expect(part.a.shape).to.deep.equal([1, 3]);
    expect(part.b).to.equal(batch.b);
    expect(part.c).to.equal(7);
    expect(sliceBatch(tf.ones([4]), 4, 1)).to.equal(undefined);
    expect(sliceBatch({ b: batch.b }, 4, 1)).to.equal(undefined);
    // a 2.0 batch: its mask info lays out rows per sample × clones, which slicing the input alone would break
    const rows = tf.ones([8, 3]);
    expect(sliceBatch({ input: batch.a, mask: { rows: 8, clones: 2, mask: rows } }, 4, 1)).to.equal(undefined);
    tf.dispose([batch.a, batch.b, part.a, rows]);
  });

  it('estimates a data2vec 2.0 update: a probe of s samples keeps the masks of their clones', async () => {
    const { recipe, config } = microRecipe('image-v2');
    const setup = recipe.build(config, recipe.loadData(config));
    const batch = setup.batches(0, 0) as V2Batch;
    const objective = setup.objective as unknown as { sliceBatch(b: V2Batch, s: number): V2Batch };
    const part = objective.sliceBatch(batch, 1);
    const clones = batch.mask.clones;
    expect(part.input.shape[0]).to.equal(1);
    expect(part.mask.rows).to.equal(clones);
    // the cut mask info is the one made from the first sample's masks alone
    const length = batch.mask.length;
    const firstRows = Uint8Array.from(batch.mask.mask.dataSync().slice(0, clones * length));
    const expected = makeMaskInfo({ rows: clones, length, data: firstRows }, clones);
    for (const key of ['keepIndex', 'sourceKeepIndex', 'restoreIndex'] as const) {
      expect(Array.from(hostRowIndex(part.mask[key])), key).to.deep.equal(Array.from(hostRowIndex(expected[key])));
    }
    const held = tf.memory().numTensors;
    const estimate = estimateUpdateMemory(setup.objective, batch, 2) as UpdateMemoryEstimate;
    expect(estimate.perSampleBytes).to.be.greaterThan(0);
    expect(tf.memory().numTensors).to.equal(held);
    const disposeInfo = (m: MaskInfo) => tf.dispose([m.mask, m.keepIndex, m.sourceKeepIndex, m.restoreIndex]);
    [batch, part, { input: undefined, mask: expected }].forEach((b) => disposeInfo(b.mask));
    tf.dispose([batch.input, part.input]);
    setup.objective.dispose();
  });
});
