/**
 * Benchmark scripts refuse arguments they do not take (`bench/known-flags.ts`) in one
 * line, before anything is timed or written: `soak --help` used to start the default
 * soak and rewrite the day's `bench/results/soak-<date>.json` with its first sample.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { expect } from 'chai';
import { flagProblem, FlagSpec } from '../../bench/known-flags';

const BENCH = path.join(__dirname, '..', '..', 'bench');
const FLAGS: FlagSpec = { '--runs': 'value', '--quick': 'switch' };
const TAKES = 'it takes --runs VALUE, --quick (see the header of bench/x.ts).';

describe('benchmark flags', () => {
  it('accepts known flags, repeated ones and flag=value', () => {
    expect(flagProblem('x', [], FLAGS)).to.equal(undefined);
    expect(flagProblem('x', ['--runs', 'image-v1', '--quick', '--runs=text-v1'], FLAGS)).to.equal(undefined);
  });

  it('names the first unknown flag, positional argument, missing value or value given to a switch', () => {
    expect(flagProblem('x', ['--runs', 'a', '--help'], FLAGS)).to.equal(`x does not know "--help"; ${TAKES}`);
    expect(flagProblem('x', ['-h'], FLAGS)).to.equal(`x does not know "-h"; ${TAKES}`);
    expect(flagProblem('x', ['image-v1'], FLAGS)).to.equal(`x does not know "image-v1"; ${TAKES}`);
    expect(flagProblem('x', ['--runs'], FLAGS)).to.equal(`--runs needs a value; ${TAKES}`);
    expect(flagProblem('x', ['--quick=1'], FLAGS)).to.equal(`--quick takes no value; ${TAKES}`);
  });

  for (const [script, args, unknown] of [
    ['soak', ['--help'], '--help'],
    ['pool-threshold', ['--rounds', '1', '--tags', 'x'], '--tags'],
    ['update-compare', ['--quick', '--thread', '2'], '--thread'],
    ['webgpu-buffer-pool', ['--budget', '2GB'], '--budget'],
    ['webgpu-kernel-calls', ['--help'], '--help'],
    ['soak-batches', ['--runs', 'audio-v1'], '--runs'],
    ['text-position-share', ['--run', 'runs/x', '--random'], '--random'],
  ] as const) {
    it(`${script} ${args.join(' ')}: one error line and exit code 1, nothing run`, () => {
      const r = spawnSync(process.execPath, [path.join(BENCH, `${script}.js`), ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stdout).to.equal('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).to.have.length(1);
      expect(lines[0].startsWith(`error: ${script} does not know "${unknown}"; it takes --`), lines[0]).to.equal(true);
    });
  }
});
