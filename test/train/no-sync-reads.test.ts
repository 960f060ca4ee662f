/**
 * No synchronous tensor reads in training, checkpointing, probing, benchmarking,
 * fine-tuning and the Hugging Face paths (platform facts, "GPU through WebGPU":
 * `dataSync`/`arraySync` throw there, and on any device they stall it). With
 * `dataSync`, `arraySync` and `bufferSync` made to throw, these must still complete
 * on wasm: an update (data2vec 1.0 image and 2.0 text, the latter through the token
 * gathers and padding masks), a checkpoint write, a bench run with its probes, a
 * two-update fine-tuning run with its held-out evaluation and checkpoint, `probe`
 * (every layer), and import → `encodeHf` → `exportHf` of the audio and text
 * reference models (the audio attention-mask check included).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Trainer } from '../../src/train/trainer';
import { MaskedLanguageModel } from '../../src/modalities/text/masked-lm';
import { TextV1Config } from '../../src/modalities/text/presets-v1';
import { readCheckpointInfo } from '../../src/train/checkpoint';
import { benchCompare } from '../../src/run/bench';
import { finetune } from '../../src/finetune/finetune';
import { probe } from '../../src/run/probe';
import { loadWordnetGlosses } from '../../src/data/text-dataset';
import { importHf } from '../../src/hf/import-hf';
import { exportHf } from '../../src/hf/export-hf';
import { encodeHf } from '../../src/hf/encode-hf';
import { loadSafetensors, readSafetensors } from '../../src/train/safetensors';
import { MICRO_SETS, microRecipe } from '../helpers/micro-recipes';
import { fixtureDir, tempPath } from '../hf/fixture';

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

  it('a masked-language-model update (the text control) reads nothing synchronously', async () => {
    const { recipe, config } = microRecipe('text-v1', 1);
    const setup = recipe.build(config, recipe.loadData(config));
    setup.objective.dispose();
    const mlm = new MaskedLanguageModel(config as TextV1Config);
    const trainer = new Trainer(mlm, setup.batches as never, config.trainer);
    const { result, attempts } = await withoutSyncReads(() => trainer.run());
    expect(attempts).to.deep.equal([]);
    expect(result!.rows[0].loss).to.be.closeTo(Math.log(4096), 0.5);
    trainer.dispose();
    mlm.dispose();
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

  it('a bench run (updates, features, linear probes, kernel profile) reads nothing synchronously', async () => {
    const { result, attempts } = await withoutSyncReads(() =>
      benchCompare({ algos: ['v1'], seed: 0, probeEvery: 1, maxUpdates: 2, profile: 2, probeTrainSize: 60, probeTestSize: 40, threshold: 0.999, overrides: { batchSize: 2, set: MICRO_SETS['image-v1'] } }),
    );
    expect(attempts).to.deep.equal([]);
    const v1 = result!.v1!;
    expect(v1.probes.map((p) => p.update)).to.deep.equal([0, 1, 2]);
    v1.probes.forEach((p) => expect(p.accuracy).to.be.within(0, 1));
    // the profiled updates come after the timed ones and are not counted; their products are the counted update's
    const profile = v1.kernel_profile!;
    expect([v1.updates, profile.updates]).to.deep.equal([2, 2]);
    const rows = profile.rest ? [...profile.kernels, profile.rest] : profile.kernels;
    expect(rows.reduce((s, r) => s + r.flops, 0)).to.equal(2 * v1.flops_per_update!);
    expect(profile.kernels[0].total_ms).to.be.above(0);
  });

  it('a two-update fine-tuning run (updates, held-out evaluation, checkpoint) reads nothing synchronously', async () => {
    const out = tempPath('finetune');
    const { result, attempts } = await withoutSyncReads(() =>
      finetune({
        randomInit: true, modality: 'image', algo: 'v1', preset: 'tiny', out, report: false,
        settings: { updates: 2, batchSize: 4, maxTrain: 16, maxTest: 8, evalEvery: 1 },
      }),
    );
    expect(attempts).to.deep.equal([]);
    expect(result!.updates).to.equal(2);
    expect(result!.n_test).to.equal(8);
    expect(result!.test_accuracy * 8).to.be.closeTo(Math.round(result!.test_accuracy * 8), 1e-9);
    expect(readSafetensors(path.join(out, 'checkpoint.safetensors')).metadata.update).to.equal('2');
  });

  it('probe (every layer, linear and kNN) reads nothing synchronously', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-nosync-probe-'));
    const labelled = path.join(dir, 'glosses.jsonl');
    const docs = ['noun.animal', 'verb.motion'].flatMap((label) => loadWordnetGlosses().train.filter((d) => d.label === label).slice(0, 20));
    fs.writeFileSync(labelled, docs.map((d) => JSON.stringify({ text: d.text, label: d.label })).join('\n') + '\n');
    try {
      const overrides = { data: labelled, batchSize: 8, set: MICRO_SETS['text-v1'] };
      const { result, attempts } = await withoutSyncReads(() => probe({ randomInit: true, modality: 'text', preset: 'tiny', overrides, layers: 'all' }));
      expect(attempts).to.deep.equal([]);
      expect(result!.n_train + result!.n_test).to.equal(40);
      expect(result!.layers!.map((l) => l.layer)).to.deep.equal([1, 2, 'final']);
      expect(result!.accuracy).to.be.within(0, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const name of ['audio', 'text'] as const) {
    it(`${name} reference model: import, encodeHf and exportHf read nothing synchronously and stay exact`, async () => {
      const run = tempPath('run');
      const out = tempPath('export');
      const inputs = loadSafetensors(path.join(fixtureDir(name), 'input.safetensors')).tensors;
      inputs.delete('mask_time_indices');
      if (name === 'audio') inputs.set('attention_mask', tf.ones([2, 4000], 'int32'));
      const ref = loadSafetensors(path.join(fixtureDir(name), 'output.safetensors')).tensors;
      const { result, attempts } = await withoutSyncReads(async () => {
        await importHf(fixtureDir(name), run);
        const encoded = await encodeHf(run, inputs);
        await exportHf(run, out);
        return encoded;
      });
      expect(attempts).to.deep.equal([]);
      const encoded = result!;
      const last = encoded.get('last_hidden_state')!;
      const want = ref.get('last_hidden_state')!;
      expect(last.shape).to.deep.equal(want.shape);
      const keep = name === 'text' ? tf.cast(inputs.get('attention_mask')!, 'float32').expandDims(-1) : tf.scalar(1);
      const err = (await tf.max(tf.mul(tf.abs(tf.sub(last, want)), keep)).data())[0];
      expect(err).to.be.below(1e-4);
      const original = readSafetensors(path.join(fixtureDir(name), 'model.safetensors')).tensors;
      const exported = readSafetensors(path.join(out, 'model.safetensors')).tensors;
      for (const [k, t] of exported) {
        if (!original.has(k)) continue;
        expect(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(original.get(k)!.data.buffer, original.get(k)!.data.byteOffset, original.get(k)!.data.byteLength)), k).to.equal(true);
      }
      expect([...exported.keys()].filter((k) => original.has(k)).length).to.be.above(20);
      [...encoded.values(), ...inputs.values(), ...ref.values(), keep].forEach((t) => t.dispose());
    });
  }

  it('encodeHf refuses a padded speech batch in one sentence, without a synchronous read', async () => {
    const run = tempPath('run');
    await importHf(fixtureDir('audio'), run);
    const values = tf.zeros([2, 4000]);
    const attention = tf.concat([tf.ones([2, 3000], 'int32'), tf.zeros([2, 1000], 'int32')], 1);
    let message = '';
    const { attempts } = await withoutSyncReads(async () => {
      try {
        await encodeHf(run, new Map([['input_values', values], ['attention_mask', attention]]), { source: 'clips.safetensors' });
      } catch (e) {
        message = (e as Error).message;
      }
    });
    expect(attempts).to.deep.equal([]);
    expect(message).to.equal('clips.safetensors: "attention_mask" marks padding, but the speech encoder takes unpadded batches; encode clips of different lengths one at a time.');
    values.dispose();
    attention.dispose();
  });
});
