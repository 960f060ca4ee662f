/**
 * No synchronous tensor reads in training, checkpointing, probing or benchmarking
 * (platform facts, "GPU through WebGPU": `dataSync`/`arraySync` throw there, and on
 * any device they stall it). With `dataSync`, `arraySync` and `bufferSync` made to
 * throw, an update (data2vec 1.0 image and 2.0 text, the latter through the token
 * gathers and padding masks), a checkpoint write and a bench run with its probes
 * must still complete on wasm.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Trainer } from '../../src/train/trainer';
import { readCheckpointInfo } from '../../src/train/checkpoint';
import { benchCompare } from '../../src/run/bench';
import { MICRO_SETS, microRecipe } from '../helpers/micro-recipes';

const SYNC_READS = ['dataSync', 'arraySync', 'bufferSync'] as const;

/** Run `body` with the synchronous reads of every tensor throwing; returns what was attempted. */
async function withoutSyncReads<T>(body: () => Promise<T>): Promise<{ result?: T; attempts: string[] }> {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const saved = SYNC_READS.map((name) => proto[name]);
  const attempts: string[] = [];
  for (const name of SYNC_READS) {
    proto[name] = function () {
      attempts.push(name);
      throw new Error(`${name} called`);
    };
  }
  try {
    return { result: await body(), attempts };
  } finally {
    SYNC_READS.forEach((name, i) => (proto[name] = saved[i]));
  }
}

describe('no synchronous tensor reads', function () {
  this.timeout(120_000);

  it('the guard itself catches a synchronous read', async () => {
    const t = tf.scalar(1);
    let caught = '';
    const { attempts } = await withoutSyncReads(async () => {
      try {
        t.dataSync();
      } catch (e) {
        caught = (e as Error).message;
      }
    });
    t.dispose();
    expect(caught).to.equal('dataSync called');
    expect(attempts).to.deep.equal(['dataSync']);
  });

  for (const name of ['image-v1', 'text-v2'] as const) {
    it(`${name}: an update and a checkpoint write read nothing synchronously`, async () => {
      const { recipe, config } = microRecipe(name, 1);
      const data = recipe.loadData(config);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-nosync-'));
      const setup = recipe.build(config, data);
      const trainer = new Trainer(setup.objective, setup.batches, config.trainer, dir, config);
      try {
        const { result, attempts } = await withoutSyncReads(() => trainer.run());
        expect(attempts).to.deep.equal([]);
        expect(result!.updates).to.equal(1);
        expect(Number.isFinite(result!.rows[0].loss)).to.equal(true);
        expect(Number.isFinite(result!.rows[0].grad_norm)).to.equal(true);
        expect(readCheckpointInfo(dir).update).to.equal(1);
      } finally {
        trainer.dispose();
        setup.objective.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a bench run (updates, features, linear probes) reads nothing synchronously', async () => {
    const { result, attempts } = await withoutSyncReads(() =>
      benchCompare({ algos: ['v1'], seed: 0, probeEvery: 1, maxUpdates: 1, probeTrainSize: 60, probeTestSize: 40, threshold: 0.999, overrides: { batchSize: 2, set: MICRO_SETS['image-v1'] } }),
    );
    expect(attempts).to.deep.equal([]);
    expect(result!.v1!.probes.map((p) => p.update)).to.deep.equal([0, 1]);
    result!.v1!.probes.forEach((p) => expect(p.accuracy).to.be.within(0, 1));
  });
});
