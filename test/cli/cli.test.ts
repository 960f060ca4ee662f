/**
 * The `data2vec` command as other tools use it: JSON contracts on the last stdout
 * line, the run folder, and one-sentence errors for bad input.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { listRecipes } from '../../src/modalities/registry';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');

function run(args: string[]): { code: number; stdout: string; stderr: string; json: Record<string, unknown> | undefined } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, D2V_BACKEND: 'wasm' } });
  const lines = r.stdout.trim().split('\n');
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

const SMALL = ['--set', 'model.dim=16', '--set', 'model.depth=1', '--set', 'model.heads=2', '--set', 'data2vec.targets.topK=1'];

describe('data2vec CLI', function () {
  this.timeout(300000);

  it('masks --json: N masks with the reference counts, deterministic in the seed', () => {
    const a = run(['masks', '--strategy', 'inverse-block', '--shape', '14x14', '--count', '3', '--seed', '5', '--json']);
    expect(a.code).to.equal(0);
    expect(a.json!.strategy).to.equal('inverse-block');
    expect(a.json!.shape).to.equal('14x14');
    const masks = a.json!.masks as number[][];
    expect(masks).to.have.length(3);
    for (const m of masks) {
      expect(m).to.have.length(196);
      expect(m.reduce((x, y) => x + y, 0)).to.equal(157);
    }
    const b = run(['masks', '--strategy', 'inverse-block', '--shape', '14x14', '--count', '3', '--seed', '5', '--json']);
    expect(b.json!.masks).to.deep.equal(masks);
    const block = run(['masks', '--strategy', 'block', '--shape', '7x7', '--count', '4', '--json', '--num-masking-patches', '20']);
    for (const m of block.json!.masks as number[][]) expect(m.reduce((x, y) => x + y, 0)).to.be.within(1, 20);
  });

  it('rejects bad flags with one sentence and exit code 1', () => {
    const shape = run(['masks', '--strategy', 'block', '--shape', '196']);
    expect(shape.code).to.equal(1);
    expect(shape.stderr).to.match(/error: --shape must look like 14x14 for strategy block/);
    expect(shape.stderr).to.not.match(/at .*\.js:\d+/);
    const preset = run(['pretrain', '--preset', 'huge', '--steps', '1']);
    expect(preset.code).to.equal(1);
    expect(preset.stderr).to.match(/--preset "huge" is not a image v1 preset; choose one of tiny, small, base/);
    const strategy = run(['masks', '--strategy', 'nope', '--shape', '8']);
    expect(strategy.stderr).to.match(/unknown masking strategy "nope"/);
  });

  it('--help names every registered preset and, where any backend works, webgpu', () => {
    const presets = new Set(listRecipes().flatMap((r) => r.presets));
    expect(presets.has('base-28') && presets.has('tiny-released')).to.equal(true);
    for (const command of ['pretrain', 'probe', 'finetune']) {
      const help = run([command, '--help']).stdout.replace(/\s+/g, ' ');
      const line = /--preset <name> (.*?)(--[a-z]|$)/.exec(help)![1];
      for (const p of presets) expect(line.split(/[^a-z0-9-]+/), `${command}: ${p}`).to.include(p);
    }
    for (const command of ['quickstart', 'import-hf', 'export-hf', 'encode']) {
      expect(run([command, '--help']).stdout.replace(/\s+/g, ' '), command).to.contain('--backend <name> wasm, cpu, tensorflow or webgpu');
    }
  });

  it('names the file when a data folder is incomplete or corrupt', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-cli-data-'));
    const missing = run(['pretrain', '--steps', '1', '--data', dir, '--no-progress']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include(dir);
    const src = path.join(__dirname, '..', '..', '..', 'datasets', 'fashion-mnist');
    for (const f of fs.readdirSync(src).filter((f) => f.endsWith('.gz'))) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const bytes = fs.readFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'));
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), bytes.subarray(0, bytes.length >> 1));
    const truncated = run(['pretrain', '--steps', '1', '--data', dir, '--no-progress']);
    expect(truncated.code).to.equal(1);
    expect(truncated.stderr).to.include('train-images-idx3-ubyte.gz');
  });

  it('pretrain --json writes the run folder and ends with the summary object; probe --json scores it', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-cli-run-'));
    const p = run(['pretrain', '--modality', 'image', '--preset', 'tiny', '--steps', '3', '--batch-size', '8', '--seed', '1', '--out', out, '--json', '--no-progress', ...SMALL]);
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stderr).to.match(/^backend: wasm/m);
    const s = p.json!;
    for (const key of ['modality', 'algo', 'preset', 'steps', 'backend', 'loss_first', 'loss_last', 'target_var_last', 'pred_var_last', 'samples_per_sec', 'run_dir', 'config']) {
      expect(s, key).to.have.property(key);
    }
    expect(s.steps).to.equal(3);
    expect(s.backend).to.equal('wasm');
    expect(s.run_dir).to.equal(out);
    for (const f of ['config.json', 'metrics.csv', 'checkpoint.safetensors', 'report.html']) expect(fs.existsSync(path.join(out, f)), f).to.equal(true);
    expect(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n')).to.have.length(4);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.model.dim).to.equal(16);
    expect(config.trainer.updates).to.equal(3);

    const more = run(['pretrain', '--resume', out, '--steps', '5', '--json', '--no-progress']);
    expect(more.code, more.stderr).to.equal(0);
    expect(more.json!.resumed_from).to.equal(3);
    expect(more.json!.steps).to.equal(5);

    // Resuming a run that has finished trains nothing and says so; the summary keeps a real rate.
    const again = run(['pretrain', '--resume', out, '--json', '--no-progress']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.contain(`${out} has already finished its 5 updates, so there is nothing to train; pass --steps N with N > 5 to train it further.`);
    expect(again.stderr).to.not.contain('resuming after update');
    expect(again.stdout).to.not.contain('NaN');
    expect(again.json!.resumed_from).to.equal(5);
    expect(again.json!.steps).to.equal(5);
    expect(again.json!.samples_per_sec).to.be.a('number').and.be.above(0);
    expect(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n')).to.have.length(6);

    const probe = run(['probe', '--run', out, '--json']);
    expect(probe.code, probe.stderr).to.equal(0);
    const r = probe.json!;
    for (const key of ['accuracy', 'knn_accuracy', 'n_train', 'n_test']) expect(r, key).to.have.property(key);
    expect(r.n_train).to.equal(6000);
    expect(r.n_test).to.equal(1000);
    expect(r.accuracy as number).to.be.within(0.1, 1);
  });

  it('bench --json: the last line has each algorithm and the threshold; --set reaches every algorithm\'s config', function () {
    this.timeout(300_000);
    const r = run(['bench', '--modality', 'image', '--compare', 'v1,v2', '--max-updates', '1', '--probe-every', '1', '--threshold', '0.99',
      '--set', 'trainer.batchSize=4', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const json = r.json as { threshold: number; v1: Record<string, unknown>; v2: Record<string, unknown> };
    expect(json.threshold).to.equal(0.99);
    for (const algo of ['v1', 'v2'] as const) {
      for (const key of ['samples_per_sec', 'step_ms', 'time_to_accuracy_s']) expect(json[algo], `${algo}.${key}`).to.have.property(key);
      expect(json[algo].batch_size).to.equal(4);
      expect(json[algo].time_to_accuracy_s).to.equal(null);
    }
    expect([json.v1.views_per_sample, json.v2.views_per_sample]).to.deep.equal([1, 8]);
    expect(r.stderr).to.match(/threshold: linear-probe test accuracy ≥ 0\.99/);
    const bad = run(['bench', '--modality', 'video']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/error: --modality video is not one of image, audio, text\./);
  });
});
