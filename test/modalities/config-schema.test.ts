/**
 * The run config schema: every preset passes; each bad value or broken relation is one
 * line naming the field, the value and what is allowed; a config.json read back is
 * checked the same way; and random or adversarial `--set` values are either refused
 * with a line naming the field or accepted and train one update (never a crash).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import fc from 'fast-check';
import '../../src/index';
import { listRecipes } from '../../src/modalities/registry';
import { imageV1Recipe } from '../../src/modalities/image/recipe-v1';
import { validateRunConfig } from '../../src/modalities/config-schema';
import { readRunConfig } from '../../src/run/pretrain';
import { Trainer } from '../../src/train/trainer';
import { microImageConfig, imageData } from '../helpers/tiny-image';

/** Dotted paths of every number, string and boolean in a config (array items as path.0, path.1). */
function leafPaths(node: unknown, prefix = ''): string[] {
  if (node === null || typeof node !== 'object') return [prefix];
  if (Array.isArray(node) && node.some((v) => typeof v === 'object')) return [prefix];
  if (Array.isArray(node)) return [prefix];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

describe('run config schema', function () {
  this.timeout(120000);

  it('accepts every preset of every recipe', () => {
    let n = 0;
    for (const recipe of listRecipes()) {
      for (const preset of recipe.presets) {
        expect(() => validateRunConfig(recipe.config(preset)), `${recipe.modality} ${recipe.algo} ${preset}`).not.to.throw();
        n++;
      }
    }
    expect(n).to.be.at.least(12);
  });

  it('refuses bad values and broken relations with one line naming the field, the value and the range', () => {
    const fix = 'change it with --set or pick another preset.';
    const cases: [Record<string, string>, string][] = [
      [{ 'trainer.batchSize': '0' }, 'trainer.batchSize is 0 but must be >= 1'],
      [{ 'trainer.accumulation': '1.5' }, 'trainer.accumulation is 1.5 but must be an integer'],
      [{ 'model.heads': '3' }, 'model.heads is 3 but must divide model.dim (64)'],
      [{ 'model.patchSize': '5' }, 'model.patchSize is 5 but must divide model.imageSize[0] (28)'],
      [{ 'masking.numMaskingPatches': '10000000000' }, 'masking.numMaskingPatches is 10000000000 but must be within the 49 patches of the grid'],
      [{ 'data2vec.targets.topK': '9' }, 'data2vec.targets.topK is 9 but must be within model.depth (4)'],
      [{ 'data2vec.targets.source': '"middle"' }, 'data2vec.targets.source is "middle" but must be one of "end", "ffn"'],
      [{ 'data2vec.ema.tauEnd': '1.5' }, 'data2vec.ema.tauEnd is 1.5 but must be <= 1'],
      [{ 'trainer.schedule.kind': '"warm"' }, 'trainer.schedule.kind is "warm" but must be one of "constant", "cosine", "tri_stage", "polynomial"'],
      [{ 'model.dim': '100000' }, 'model.dim is 100000 but must be <= 16384'],
      [{ 'masking.minAspect': '5' }, 'masking.minAspect is 5 but must be at most masking.maxAspect (3.3333333333333335)'],
    ];
    for (const [set, message] of cases) {
      expect(() => imageV1Recipe.config('tiny', { set })).to.throw(`the run config: ${message}; ${fix}`);
    }
  });

  it('checks a config.json read back for --resume and probe --run, naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-schema-'));
    const file = path.join(dir, 'config.json');
    const good = imageV1Recipe.config('tiny');
    const { trainer: _dropped, ...noTrainer } = good;
    fs.writeFileSync(file, JSON.stringify(noTrainer));
    expect(() => readRunConfig(dir)).to.throw(`${file}: trainer is missing but must be an object; restore it from the run or start a new run.`);
    fs.writeFileSync(file, JSON.stringify({ ...good, model: { ...good.model, depth: 'four' } }));
    expect(() => readRunConfig(dir)).to.throw(`${file}: model.depth is "four" but must be a number; restore it from the run or start a new run.`);
    fs.writeFileSync(file, JSON.stringify(good));
    expect(readRunConfig(dir)).to.deep.equal(good);
    fs.rmSync(dir, { recursive: true });
  });

  it('random and adversarial --set values: refused naming the field, or accepted and one update trains', async () => {
    const base = microImageConfig({ steps: 2, batchSize: 4 });
    const paths = leafPaths(base).filter((p) => !['modality', 'algo', 'preset'].includes(p));
    const value = fc.oneof(
      fc.constantFrom('0', '-1', '1', '2', '3', '0.5', '1e10', '-1e-9', '7', '16', '64', '1e308', 'true', 'null', '[]', '{}', '"x"', '[1]', '[0,0]'),
      fc.integer({ min: -5, max: 100 }).map(String),
      fc.double({ noNaN: true }).map(String),
    );
    const data = imageData();
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), value, async (field, raw) => {
        let config;
        let setup;
        try {
          config = microImageConfig({ steps: 2, batchSize: 4, set: { [field]: raw } });
          // the data checks (image shape against model.imageSize and model.channels) run at build
          setup = imageV1Recipe.build(config, data);
        } catch (e) {
          const message = (e as Error).message;
          expect(message.split('\n'), message).to.have.length(1);
          const named = field.split('.').some((k) => message.includes(k));
          expect(named, `${field}=${raw}: ${message}`).to.equal(true);
          refused++;
          return;
        }
        const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
        try {
          const row = await trainer.step();
          expect(row.step).to.equal(1);
          accepted++;
        } finally {
          trainer.dispose();
          setup.objective.dispose();
        }
      }),
      process.env.D2V_CONFIG_RUNS ? { numRuns: Number(process.env.D2V_CONFIG_RUNS) } : { numRuns: 40, seed: 17 },
    );
    expect(accepted).to.be.greaterThan(0);
    expect(refused).to.be.greaterThan(0);
  });
});
