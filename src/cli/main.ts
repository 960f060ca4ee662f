#!/usr/bin/env node
/**
 * The `data2vec` command (issue contract): pretrain, probe, masks, quickstart, bench,
 * import-hf, export-hf, encode.
 * Human-readable lines go to stderr; with --json the last stdout line is one JSON
 * object. Errors are one sentence, without a stack trace (set D2V_DEBUG=1 for it).
 */
import { Command, Option } from 'commander';
import { PROBE_TASKS, probe } from '../run/probe';
import { overridesFrom, runPretrain } from './pretrain-runner';
import { registerMasksCommand } from './masks-command';
import { registerQuickstartCommand } from './quickstart-command';
import { registerBenchCommand } from './bench-command';
import { registerFinetuneCommand } from './finetune-command';
import { registerBenchDataCommand } from './bench-data-command';
import { registerHfCommands } from './hf-commands';
import { registerTokenizeCommand } from './tokenize-command';
import { collectSet, intFlag, numberFlag, startBackend } from './flags';
import { addBackendOptions, addOutputOptions, presetHelp } from './common-options';
import { errorMessage } from './error-message';
import { releaseWebGpu } from '../backend/webgpu';
import { printJsonLine, say } from './output-lines';

function addTrainingOptions(cmd: Command): Command {
  cmd
    .addOption(new Option('--modality <name>', 'image, audio or text').default('image'))
    .addOption(new Option('--algo <name>', 'v1 or v2').default('v1'))
    .option('--preset <name>', presetHelp(), 'tiny')
    .option('--steps <n>', 'optimizer updates (rescales warm-up, cosine and EMA anneal)', intFlag('--steps'))
    .option('--batch-size <n>', 'samples per micro-batch', intFlag('--batch-size'))
    .option('--accumulation <n>', 'micro-batches per update (gradient accumulation)', intFlag('--accumulation'))
    .option('--lr <x>', 'peak learning rate', numberFlag('--lr'))
    .option('--seed <n>', 'random seed', intFlag('--seed'))
    .option('--data <path>', 'data folder or file instead of the bundled set (image/speech folders, .tar shards or a pattern such as "train-{000..009}.tar", text files or a token cache)')
    .option('--resample', 'speech: resample files at other rates to 16 kHz instead of refusing them')
    .option('--max-skip-rate <x>', 'streamed corpora: stop once more than this share of files is unreadable (default 0.01)', numberFlag('--max-skip-rate'))
    .option('--set <path=value>', 'set any config field, e.g. --set model.dim=128 (repeatable)', collectSet);
  return addBackendOptions(cmd, 'wasm, cpu, tensorflow or webgpu (default: D2V_BACKEND, else tensorflow if installed, else wasm)');
}

export function buildProgram(): Command {
  const program = new Command();
  program.name('data2vec').description('data2vec 1.0 / 2.0 self-supervised pretraining on TensorFlow.js').showHelpAfterError();

  const pretrainCmd = addTrainingOptions(program.command('pretrain').description('pretrain a model and write a run folder'))
    .option('--out <dir>', 'run folder (default runs/<modality>-<algo>-<preset>-<time>)')
    .option('--resume <dir>', 'continue the run in this folder from its checkpoint')
    .option('--skip-nonfinite <n>', 'skip up to n updates whose loss or gradient norm is NaN or infinite (default 0: the first one stops the run)', intFlag('--skip-nonfinite'));
  addOutputOptions(pretrainCmd, { progress: true })
    .action(async (opts) => {
      await startBackend(opts.backend, opts.threads);
      const s = await runPretrain(opts);
      say(`done: ${s.steps} updates, loss ${s.loss_first.toFixed(4)} → ${s.loss_last.toFixed(4)}, target_var ${s.target_var_last.toFixed(3)}, ${s.samples_per_sec.toFixed(1)} samples/s; ${s.run_dir}/report.html`);
      printJsonLine(opts.json, s);
    });

  const probeCmd = addTrainingOptions(program.command('probe').description('linear probe and kNN on frozen mean-pooled features'))
    .option('--run <dir>', 'a run folder written by pretrain')
    .option('--random-init', 'the same encoder at random init')
    .option('--raw', 'the raw input (pixels) as features')
    .addOption(new Option('--layers <which>', 'all: also probe every block\'s output, one by one; top: read the mean of the top K blocks\' outputs (K as the targets use) instead of the final output').choices(['all', 'top']))
    .option('--top-k <n>', 'blocks averaged by --layers top (default: the K of the run\'s targets)', intFlag('--top-k'))
    .option('--segments <n>', 'pool the means of n consecutive time segments (speech) instead of one mean', intFlag('--segments'))
    .option('--weight-decay <x>', 'fixed L2 strength of the linear probe (default: chosen on a validation fifth of train)', numberFlag('--weight-decay'))
    .addOption(new Option('--task <name>', 'labels: the data set\'s labels; sense (text): the supersense of a polysemous word in a sentence, read at the word').choices([...PROBE_TASKS]).default('labels'));
  addOutputOptions(probeCmd)
    .action(async (opts) => {
      await startBackend(opts.backend, opts.threads);
      const r = await probe({
        run: opts.run, randomInit: opts.randomInit, raw: opts.raw, layers: opts.layers, topK: opts.topK, segments: opts.segments, task: opts.task,
        linear: opts.weightDecay !== undefined ? { weightDecay: opts.weightDecay } : undefined,
        modality: opts.modality, algo: opts.algo, preset: opts.preset, overrides: overridesFrom(opts),
      });
      for (const l of r.layers ?? []) {
        say(`  layer ${String(l.layer).padEnd(5)} linear ${(100 * l.accuracy).toFixed(2)} % (train ${(100 * l.train_accuracy).toFixed(2)} %, L2 ${l.weight_decay}), kNN ${(100 * l.knn_accuracy).toFixed(2)} %, spread ${l.spread.toPrecision(3)}`);
      }
      say(`${r.source} ${r.modality} ${r.algo} ${r.preset}${r.layer === 'final' ? '' : ` (${r.layer} mean)`}: linear probe ${(100 * r.accuracy).toFixed(2)} % (L2 ${r.weight_decay}${r.segments > 1 ? `, ${r.segments} time segments` : ''}), kNN ${(100 * r.knn_accuracy).toFixed(2)} % (${r.n_train} train / ${r.n_test} test, ${r.dim}-d features)`);
      if (r.baselines) say(`  context-free answers: each word's most frequent training sense ${(100 * r.baselines.lemma_majority).toFixed(2)} %, the most frequent sense overall ${(100 * r.baselines.majority).toFixed(2)} %`);
      printJsonLine(opts.json, r);
    });

  registerMasksCommand(program);
  registerQuickstartCommand(program);
  registerBenchCommand(program);
  registerFinetuneCommand(program);
  registerBenchDataCommand(program);
  registerHfCommands(program);
  registerTokenizeCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // A closed pipe (e.g. `| head`) ends the command quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const err = e as Error;
    say(`error: ${errorMessage(err)}`);
    if (process.env.D2V_DEBUG) say(err.stack ?? '');
    process.exitCode = 1;
  } finally {
    // Dawn keeps Node running while navigator.gpu is reachable.
    releaseWebGpu();
  }
}

if (require.main === module) void main(process.argv);
