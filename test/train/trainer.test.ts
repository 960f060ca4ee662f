/**
 * The training loop: seeded determinism, exact resume, no tensor leak, one EMA
 * step per update with gradient accumulation, and a loss that falls without collapse.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { imageV1Recipe } from '../../src/modalities/image/recipe-v1';
import { Trainer, TrainerConfig } from '../../src/train/trainer';
import { Objective } from '../../src/train/objective';
import { Module } from '../../src/nn/module';
import { loadCheckpoint } from '../../src/train/checkpoint';
import { microImageConfig, imageData } from '../helpers/tiny-image';
import { RunOverrides } from '../../src/modalities/recipe';

function makeTrainer(overrides: RunOverrides, runDir?: string) {
  const config = microImageConfig(overrides);
  const setup = imageV1Recipe.build(config, imageData());
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer, runDir, config);
  return { config, setup, trainer };
}

async function losses(overrides: RunOverrides): Promise<number[]> {
  const { setup, trainer } = makeTrainer(overrides);
  const r = await trainer.run();
  trainer.dispose();
  setup.objective.dispose();
  return r.rows.map((row) => row.loss);
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-trainer-'));

describe('Trainer', function () {
  this.timeout(240000);

  it('is deterministic: the same seed gives the same loss curve, another seed a different one', async () => {
    const a = await losses({ steps: 3, seed: 7 });
    const b = await losses({ steps: 3, seed: 7 });
    const c = await losses({ steps: 3, seed: 8 });
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
  });

  it('resumes exactly: stop after 2 of 4 updates, resume, and match an uninterrupted run', async () => {
    const overrides = { steps: 4, seed: 3, set: { 'model.dropPath': '0.1', 'model.attnDropout': '0.1' } };
    const straight = await losses(overrides);
    const dir = tmp();
    const first = makeTrainer(overrides, dir);
    const stop = new AbortController();
    await first.trainer.run({ onUpdate: (row) => row.step === 2 && stop.abort(), signal: stop.signal });
    expect(first.trainer.updatesDone).to.equal(2);
    first.trainer.dispose();
    first.setup.objective.dispose();
    // a new process would rebuild everything from scratch and load the checkpoint
    const second = makeTrainer(overrides, dir);
    expect(second.trainer.resumeFrom(dir)).to.equal(2);
    const r = await second.trainer.run();
    expect(r.rows.map((row) => row.step)).to.deep.equal([1, 2, 3, 4]);
    expect(r.rows.map((row) => row.loss)).to.deep.equal(straight);
    const csv = fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv).to.have.length(5);
    second.trainer.dispose();
    second.setup.objective.dispose();
  });

  it('checkpoints hold the student, the teacher and the optimizer moments', async () => {
    const dir = tmp();
    const { setup, trainer } = makeTrainer({ steps: 2, seed: 1 }, dir);
    await trainer.run();
    const fresh = makeTrainer({ steps: 2, seed: 99 });
    const info = loadCheckpoint(dir, { module: fresh.setup.objective, optimizer: fresh.trainer.optimizer, extra: fresh.setup.objective.extraState() });
    expect(info.update).to.equal(2);
    const want = new Map(setup.objective.namedParameters());
    for (const [name, v] of fresh.setup.objective.namedParameters()) {
      expect(Array.from(v.dataSync()), name).to.deep.equal(Array.from(want.get(name)!.dataSync()));
    }
    const teacherWant = new Map(setup.objective.extraState());
    for (const [name, v] of fresh.setup.objective.extraState()) {
      expect(Array.from(v.dataSync()), name).to.deep.equal(Array.from(teacherWant.get(name)!.dataSync()));
    }
    expect(fresh.trainer.optimizer.stepCount).to.equal(2);
    [trainer, fresh.trainer].forEach((t) => t.dispose());
    [setup, fresh.setup].forEach((s) => s.objective.dispose());
  });

  it('leaks no tensors across updates', async () => {
    const { setup, trainer } = makeTrainer({ steps: 20 });
    await trainer.step();
    await trainer.step();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await trainer.step();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size, `tensor counts ${counts}`).to.equal(1);
    trainer.dispose();
    setup.objective.dispose();
  });

  it('lastTiming splits the update: recording, reading and the optimizer/teacher step add up to its wall time', async () => {
    const { setup, trainer } = makeTrainer({ steps: 2 });
    const t0 = performance.now();
    await trainer.step();
    const wall = performance.now() - t0;
    const { record, read, after } = trainer.lastTiming;
    for (const v of [record, read, after]) expect(v).to.be.at.least(0);
    expect(record + read + after).to.be.at.most(wall);
    // only the guard's bookkeeping and the metrics row lie outside the three parts
    expect(record + read + after).to.be.at.least(0.5 * wall);
    trainer.dispose();
    setup.objective.dispose();
  });

  it('builds the next batch while the device finishes an update: each micro-batch made once, in order, and the same losses as without', async () => {
    const run = async (withPrepare: boolean) => {
      const config = microImageConfig({ steps: 3, accumulation: 2 });
      const setup = imageV1Recipe.build(config, imageData());
      const calls: string[] = [];
      const source = Object.assign((u: number, j: number) => {
        calls.push(`${u}:${j}`);
        return setup.batches(u, j);
      }, withPrepare ? { prepare: async () => undefined } : {});
      const trainer = new Trainer(setup.objective, source, config.trainer);
      trainer.prefetch = true; // the webgpu default, here on this backend
      const r = await trainer.run();
      trainer.dispose();
      setup.objective.dispose();
      return { calls, losses: r.rows.map((row) => row.loss) };
    };
    const ahead = await run(false);
    const plain = await run(true);
    expect(plain.calls).to.deep.equal(['0:0', '0:1', '1:0', '1:1', '2:0', '2:1']);
    // one first micro-batch ahead, disposed with the trainer
    expect(ahead.calls).to.deep.equal([...plain.calls, '3:0']);
    expect(ahead.losses).to.deep.equal(plain.losses);
  });

  it('with gradient accumulation, takes exactly one optimizer and one EMA step per update', async () => {
    const { setup, trainer } = makeTrainer({ steps: 3, accumulation: 3 });
    const ema = (setup.objective as unknown as { ema: { updates: number } }).ema;
    await trainer.run();
    expect(trainer.optimizer.stepCount).to.equal(3);
    expect(ema.updates).to.equal(3);
    trainer.dispose();
    setup.objective.dispose();
  });

  it('with gradient accumulation, a parameter that an earlier micro-batch left unused (a block layerdrop skipped) gets the later micro-batches\' gradient', async () => {
    // micro-batch 0 uses only `a`, micro-batch 1 uses `a` and `b`: the accumulated gradient of b is micro-batch 1's / 2
    class TwoParams extends Module {
      readonly a = this.addParam('a', tf.tensor1d([1, 2]));
      readonly b = this.addParam('b', tf.tensor1d([3, -4]));
    }
    const module = new TwoParams();
    const objective: Objective<number> = {
      module,
      prepare: () => ({}),
      loss: (micro) => ({ loss: tf.tidy(() => (micro === 0 ? tf.sum(tf.square(module.a)) : tf.add(tf.sum(module.a), tf.sum(tf.mul(module.b, module.b))))) as tf.Scalar, scalars: {} }),
      afterUpdate: () => ({}),
      extraState: () => [],
      restore: () => undefined,
    };
    const config: TrainerConfig = {
      updates: 1, batchSize: 1, accumulation: 2, optimizer: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }, decayAll: true,
      schedule: { kind: 'constant', lr: 0.5 }, clipNorm: 0, seed: 0, checkpointEvery: 0,
      collapse: { minTargetVar: 0, minPredVar: 0, afterUpdates: 1_000_000 },
    };
    const trainer = new Trainer(objective, (_u: number, micro: number) => micro, config);
    const row = await trainer.step();
    // loss: the mean of the micro-batches' losses, 5 and 3 + 25
    expect(row.loss).to.be.closeTo((5 + 28) / 2, 1e-5);
    // grad b = (0 + 2b) / 2 = b = [3, −4]: ‖g‖² = |a-part|² + 25, a-part = (2a + 1) / 2 = [1.5, 2.5]
    expect(row.grad_norm).to.be.closeTo(Math.sqrt(1.5 ** 2 + 2.5 ** 2 + 25), 1e-4);
    // Adam's first step moves every coordinate by lr against its gradient's sign
    const b = await module.b.data();
    expect(b[0]).to.be.closeTo(2.5, 1e-6);
    expect(b[1]).to.be.closeTo(-3.5, 1e-6);
    trainer.dispose();
    module.dispose();
  });

  it('pretraining lowers the loss without collapse', async () => {
    const { setup, trainer } = makeTrainer({ steps: 60, batchSize: 32, seed: 0, lr: 3e-3 });
    const r = await trainer.run();
    const loss = r.rows.map((row) => row.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(loss.slice(-5))).to.be.lessThan(0.9 * mean(loss.slice(0, 5)));
    for (const row of r.rows) expect(row.target_var).to.be.greaterThan(0.1);
    expect(r.rows[r.rows.length - 1].pred_var).to.be.greaterThan(r.rows[0].pred_var);
    trainer.dispose();
    setup.objective.dispose();
  });
});

describe('Trainer weight-decay rule', () => {
  it('skips biases and 1-D parameters by default and decays everything with decayAll (trap 18)', () => {
    const config = microImageConfig({ steps: 1 });
    const setup = imageV1Recipe.build(config, imageData());
    const byDefault = new Trainer(setup.objective, setup.batches, config.trainer).optimizer.decayedParameterNames();
    const all = new Trainer(setup.objective, setup.batches, { ...config.trainer, decayAll: true }).optimizer.decayedParameterNames();
    const names = setup.objective.namedTrainableParameters().map(([n]) => n);
    expect(all).to.deep.equal(names);
    expect(byDefault).to.not.include('encoder.norm.bias');
    expect(byDefault).to.not.include('encoder.cls_token');
    expect(byDefault).to.include('encoder.blocks.layers.0.mlp.fc1.weight');
    expect(byDefault.length).to.be.lessThan(all.length);
    setup.objective.dispose();
  });
});
