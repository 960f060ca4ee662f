/**
 * `scripts/gpu-check.js --modalities` (issue "Train on a real GPU", the GPU host check):
 * bad values are one line and exit code 1 before any backend starts, and on the
 * adapter a quick run of the text recipes alone writes their results (batch, tokens
 * per row, FLOPs, losses) and nothing for the modalities it was not asked for.
 * Without a WebGPU adapter the run test says `skipped: no WebGPU adapter`; under
 * CI=true a missing adapter is a failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { getRecipe } from '../../src/modalities/registry';
import { webgpuAvailable } from '../helpers/webgpu-available';

const SCRIPT = path.join(__dirname, '..', '..', '..', 'scripts', 'gpu-check.js');
const check = (args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

describe('scripts/gpu-check.js --modalities', function () {
  this.timeout(120_000);

  it('an unknown modality or a bad --audio-seconds is one error line and exit code 1', () => {
    const cases: [string[], string][] = [
      [['--modalities', 'image,video'], 'error: --modalities lists video; use image, audio and/or text.'],
      [['--audio-seconds', '0'], 'error: --audio-seconds must be a positive number of seconds, got 0.'],
    ];
    for (const [args, line] of cases) {
      const r = check(args);
      expect(r.status, args.join(' ')).to.equal(1);
      expect(r.stderr.trim()).to.equal(line);
    }
  });

  it('--quick --modalities text times text v1 and v2 only, with their rows, FLOPs and finite losses', async function () {
    if (!(await webgpuAvailable())) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-gpu-check-'));
    const out = path.join(dir, 'check.json');
    const r = check(['--quick', '--modalities', 'text', '--skip', 'matmul,tiny,parity', '--updates', '1', '--profile', '0', '--out', out]);
    expect(r.status, r.stderr.slice(-2000)).to.equal(0);
    const result = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.steps_done).to.deep.equal(['base text v1', 'base text v2']);
    expect(result.audio).to.equal(undefined);
    for (const algo of ['v1', 'v2'] as const) {
      const row = result.text[algo];
      const config = getRecipe('text', algo).config('tiny', {}) as unknown as { sequences: { maxLength: number }; data2vec: { clones?: number } };
      expect(row, algo).to.deep.include({ preset: 'tiny', batch_size: 2, tried_batches: [2], tokens_per_row: config.sequences.maxLength, timed_updates: 1 });
      expect(row.views_per_sample).to.equal(config.data2vec.clones ?? 1);
      expect(row.flops_per_update, algo).to.be.above(0);
      expect(row.tflop_per_sec).to.be.closeTo(row.flops_per_update / (row.step_ms / 1000) / 1e12, 1e-12);
      expect(row.losses, algo).to.have.length(2);
      for (const l of row.losses) expect(Number.isFinite(l) && l > 0, `${algo} loss ${l}`).to.equal(true);
    }
  });
});
