/**
 * `data2vec quickstart` (what `npm start` runs): pretrain the tiny image model with
 * data2vec 1.0 on the bundled Fashion-MNIST subset, then probe it beside the same
 * encoder at random init and a linear probe on raw pixels.
 */
import { Command } from 'commander';
import { probe, ProbeSummary } from '../run/probe';
import { runPretrain } from './pretrain-runner';
import { intFlag, startBackend } from './flags';
import { ALL_BACKENDS_HELP, addBackendOptions, addOutputOptions } from './common-options';
import { printJsonLine, say } from './output-lines';

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

export function registerQuickstartCommand(program: Command): void {
  const cmd = program
    .command('quickstart')
    .description('pretrain the tiny image model (data2vec 1.0) and probe it against random init and raw pixels')
    .option('--steps <n>', 'optimizer updates', intFlag('--steps'))
    .option('--seed <n>', 'random seed', intFlag('--seed'));
  addOutputOptions(addBackendOptions(cmd, ALL_BACKENDS_HELP).option('--out <dir>', 'run folder'), { progress: true })
    .action(async (opts) => {
      const backend = await startBackend(opts.backend, opts.threads);
      const s = await runPretrain({ ...opts, modality: 'image', algo: 'v1', preset: 'tiny' }, 'pretrain tiny image v1');
      say(`pretrained ${s.steps} updates in ${s.seconds.toFixed(0)} s (${s.samples_per_sec.toFixed(1)} samples/s on ${backend}); loss ${s.loss_first.toFixed(4)} → ${s.loss_last.toFixed(4)}; report ${s.run_dir}/report.html`);
      const overrides = { seed: opts.seed };
      const results: Record<string, ProbeSummary> = {};
      for (const [name, o] of [
        ['pretrained', { run: s.run_dir }],
        ['random init', { randomInit: true, modality: 'image', algo: 'v1', preset: 'tiny', overrides }],
        ['raw pixels', { raw: true, modality: 'image', algo: 'v1', preset: 'tiny', overrides }],
      ] as const) {
        say(`probing ${name} ...`);
        results[name] = await probe(o);
      }
      say('');
      say('features          linear probe   kNN (k=20)');
      for (const [name, r] of Object.entries(results)) say(`${name.padEnd(17)} ${pct(r.accuracy).padStart(12)}   ${pct(r.knn_accuracy).padStart(10)}`);
      say(`(Fashion-MNIST test split, ${results.pretrained.n_test} images; linear probe trained on ${results.pretrained.n_train})`);
      printJsonLine(opts.json, {
        pretrain: { ...s, config: undefined },
        pretrained: results.pretrained,
        random_init: results['random init'],
        raw_pixels: results['raw pixels'],
      });
    });
}
