/**
 * `data2vec finetune` on bad input: one sentence on stderr, exit code 1, and no run
 * folder left behind (the checks run before anything is written).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { getRecipe } from '../../src/modalities/registry';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const DIGITS = path.join(__dirname, '..', '..', '..', 'datasets', 'spoken-digits');

function finetune(args: string[]): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'finetune', ...args], { encoding: 'utf8', env: { ...process.env, D2V_BACKEND: 'wasm' } });
  return { code: r.status ?? -1, stderr: r.stderr };
}

/** The single `error:` line of a failed run. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(lines).to.have.length(1);
  expect(stderr).to.not.match(/at .*\.js:\d+/);
  return lines[0];
}

describe('data2vec finetune: bad input', function () {
  this.timeout(300000);
  let dir: string;
  let out: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-ft-bad-'));
    out = path.join(dir, 'out');
  });

  afterEach(() => expect(fs.existsSync(out), 'a run folder was written').to.equal(false));

  /** A run folder with an image v1 tiny config.json (and optionally a checkpoint file). */
  function imageRun(withCheckpoint: boolean): string {
    const run = path.join(dir, 'image-run');
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify(getRecipe('image', 'v1').config('tiny')));
    if (withCheckpoint) fs.writeFileSync(path.join(run, 'checkpoint.safetensors'), 'not read before the data check');
    return run;
  }

  it('--run together with --random-init', () => {
    const r = finetune(['--run', imageRun(true), '--random-init', '--out', out]);
    expect(r.code).to.equal(1);
    expect(errorLine(r.stderr)).to.equal('error: --run and --random-init exclude each other: pass --run DIR to fine-tune a pretrained encoder, or --random-init with --modality/--algo/--preset for the baseline.');
  });

  it('a run without a checkpoint', () => {
    const run = imageRun(false);
    const r = finetune(['--run', run, '--out', out]);
    expect(r.code).to.equal(1);
    expect(errorLine(r.stderr)).to.equal(`error: ${run} has no checkpoint.safetensors (the pretraining run wrote no checkpoint yet); let "data2vec pretrain" finish or resume it, or fine-tune with --random-init.`);
  });

  it('a run of another modality than --data', () => {
    const run = imageRun(true);
    const r = finetune(['--run', run, '--data', DIGITS, '--out', out]);
    expect(r.code).to.equal(1);
    expect(errorLine(r.stderr)).to.equal(`error: --data ${DIGITS} holds speech clips (WAV files or a manifest.csv) but run ${run} is a image model; pass --data with images (IDX files such as train-images-idx3-ubyte), or a model of the audio modality.`);
  });

  it('data without labels: a text corpus with no label field, an image folder with no label files', () => {
    const corpus = path.join(dir, 'plain.jsonl');
    fs.writeFileSync(corpus, Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `document number ${i} about things` })).join('\n') + '\n');
    const text = finetune(['--random-init', '--modality', 'text', '--algo', 'v2', '--data', corpus, '--out', out]);
    expect(text.code).to.equal(1);
    expect(errorLine(text.stderr)).to.contain(`${corpus} has no "label" field on its documents, so there is nothing to probe or fine-tune on`);
    const images = path.join(dir, 'images');
    fs.mkdirSync(images);
    for (const f of ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte']) fs.writeFileSync(path.join(images, f), '');
    const img = finetune(['--random-init', '--modality', 'image', '--data', images, '--out', out]);
    expect(img.code).to.equal(1);
    expect(errorLine(img.stderr)).to.contain('lacks train-labels-idx1-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]');
  });
});
