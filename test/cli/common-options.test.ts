/** The shared subcommand options: which flags each helper adds, in which order, and how they parse. */
import { expect } from 'chai';
import { Command } from 'commander';
import { JSON_RESULT_HELP, JSON_SUMMARY_HELP, THREADS_HELP, addBackendOptions, addOutputOptions } from '../../src/cli/common-options';

const flags = (cmd: Command) => cmd.options.map((o) => [o.flags, o.description]);

describe('cli: shared options', () => {
  it('--backend with the command\'s own help, then --threads unless left out', () => {
    expect(flags(addBackendOptions(new Command(), 'wasm or cpu'))).to.deep.equal([['--backend <name>', 'wasm or cpu'], ['--threads <n>', THREADS_HELP]]);
    expect(flags(addBackendOptions(new Command(), 'wasm or cpu', false))).to.deep.equal([['--backend <name>', 'wasm or cpu']]);
  });

  it('--no-progress only when asked, then --json with the summary help unless another is given', () => {
    expect(flags(addOutputOptions(new Command()))).to.deep.equal([['--json', JSON_SUMMARY_HELP]]);
    expect(flags(addOutputOptions(new Command(), { progress: true, json: JSON_RESULT_HELP }))).to.deep.equal([['--no-progress', 'no progress bar'], ['--json', JSON_RESULT_HELP]]);
  });

  it('parses into opts.backend, opts.threads, opts.progress and opts.json', () => {
    const cmd = addOutputOptions(addBackendOptions(new Command(), 'wasm or cpu'), { progress: true }).exitOverride();
    expect(cmd.parse(['node', 'x'], { from: 'node' }).opts()).to.deep.equal({ progress: true });
    const set = addOutputOptions(addBackendOptions(new Command(), 'wasm or cpu'), { progress: true }).exitOverride();
    expect(set.parse(['--backend', 'cpu', '--threads', '2', '--no-progress', '--json'], { from: 'user' }).opts()).to.deep.equal({ backend: 'cpu', threads: '2', progress: false, json: true });
  });
});
