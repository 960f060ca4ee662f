/**
 * The non-finite guard: a NaN injected into one update's batch stops the run before
 * its optimizer step with a message naming the update, leaves the last checkpoint
 * byte-for-byte untouched and records (seed, update, micro-batches and the training
 * images of each, which give the batch's pixels again) in the run folder;
 * `skipNonfinite` skips such updates (no optimizer step, no EMA step, counted).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { imageV1Recipe } from '../../src/modalities/image/recipe-v1';
import { Trainer } from '../../src/train/trainer';
import { NonfiniteUpdateError } from '../../src/train/nonfinite-guard';
import { V1Batch } from '../../src/data2vec/data2vec-v1';
import { microImageConfig, imageData } from '../helpers/tiny-image';
import { batchStart, sampleIndices } from '../../src/data/batch-order';
import { imageBatch } from '../../src/modalities/image/image-batch';
import { Rng } from '../../src/util/rng';

/** A micro image v1 trainer whose batches of the given update indices carry a NaN pixel. */
function poisoned(poison: number[], skipNonfinite: number, runDir?: string) {
  const config = microImageConfig({ steps: 4, batchSize: 4, skipNonfinite });
  config.trainer.checkpointEvery = 2;
  const setup = imageV1Recipe.build(config, imageData());
  /** The pixels of each poisoned batch before the NaN was put in, by update. */
  const clean = new Map<number, Float32Array>();
  const batches = Object.assign((update: number, micro: number) => {
    const b = setup.batches(update, micro) as V1Batch;
    if (!poison.includes(update)) return b;
    clean.set(update, b.studentInput.dataSync() as Float32Array);
    const bad = tf.tidy(() => tf.mul(b.studentInput, tf.scalar(NaN)));
    b.studentInput.dispose();
    return { ...b, studentInput: bad, teacherInput: bad };
  }, { samples: setup.batches.samples });
  const emaSteps: number[] = [];
  const afterUpdate = setup.objective.afterUpdate.bind(setup.objective);
  setup.objective.afterUpdate = (u: number) => {
    emaSteps.push(u);
    return afterUpdate(u);
  };
  const trainer = new Trainer(setup.objective, batches, config.trainer, runDir, config);
  return { trainer, setup, emaSteps, config, clean };
}

describe('non-finite guard', function () {
  this.timeout(120000);

  it('stops at the NaN update, names it, keeps the last checkpoint untouched and records how to reproduce it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-nan-'));
    const { trainer, setup, emaSteps, config, clean } = poisoned([2], 0, dir);
    const ckpt = path.join(dir, 'checkpoint.safetensors');
    let saved: Buffer | undefined;
    const err = await trainer.run({ onCheckpoint: () => (saved = fs.readFileSync(ckpt)) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(NonfiniteUpdateError);
    const record = path.join(dir, 'nonfinite-update-3.json');
    expect((err as Error).message).to.equal(
      `update 3: the loss of micro-batch 0 is NaN, so the run stopped before its optimizer step; the checkpoint of update 2 is kept untouched ` +
        `and the update is recorded in ${record}; lower the learning rate or enable gradient clipping, or pass --skip-nonfinite N to skip up to N such updates.`,
    );
    expect(fs.readFileSync(ckpt).equals(saved!)).to.equal(true);
    expect(trainer.optimizer.stepCount).to.equal(2);
    expect(emaSteps).to.deep.equal([1, 2]);
    const json = JSON.parse(fs.readFileSync(record, 'utf8'));
    expect(json).to.include({ update: 3, seed: config.seed, grad_norm: 'NaN' });
    // the record lists exactly the training images of the injected batch (update index 2):
    // the run's order gives them, and they with the micro-batch's generator give its pixels again
    const expected = sampleIndices(imageData().train.n, batchStart(2, 0, 4, 1), 4, `${config.seed}:order`);
    expect(json.micro_batches).to.deep.equal([{ micro: 0, loss: 'NaN', samples: { images: expected } }]);
    const again = imageBatch(imageData().train, json.micro_batches[0].samples.images, config.normalize, config.augment, new Rng(`${config.seed}:batch:2:0`));
    expect(Array.from(again.dataSync())).to.deep.equal(Array.from(clean.get(2)!));
    again.dispose();
    trainer.dispose();
    setup.objective.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  it('skipNonfinite skips the NaN update (no optimizer step, no EMA step, counted), then stops at one too many', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-nan-skip-'));
    const { trainer, setup, emaSteps } = poisoned([1], 1, dir);
    const r = await trainer.run();
    expect(r.updates).to.equal(4);
    expect(trainer.optimizer.stepCount).to.equal(3);
    expect(emaSteps).to.deep.equal([1, 3, 4]);
    expect(r.rows.map((row) => row.nonfinite_skipped)).to.deep.equal([0, 1, 1, 1]);
    expect(r.rows.filter((row) => row.step !== 2).every((row) => Number.isFinite(row.loss))).to.equal(true);
    const csv = fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').split('\n');
    expect(csv[0].split(',')).to.include('nonfinite_skipped');
    trainer.dispose();
    setup.objective.dispose();

    const twice = poisoned([0, 2], 1);
    await twice.trainer.run().then(
      () => expect.fail('the second NaN update must stop the run'),
      (e: Error) => expect(e.message).to.match(/^update 3: the loss of micro-batch 0 is NaN, so the run stopped before its optimizer step after skipping 1; no checkpoint was written; /),
    );
    twice.trainer.dispose();
    twice.setup.objective.dispose();
    fs.rmSync(dir, { recursive: true });
  });
});
