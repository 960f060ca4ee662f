/**
 * `data2vec bench` (what `npm run bench` runs): data2vec 1.0 against 2.0 on a
 * modality's bundled data under the fixed protocol of `src/run/bench.ts`.
 */
import * as fs from 'fs';
import { Command } from 'commander';
import { benchCompare, formatBench, BENCH_THRESHOLDS, DEFAULT_PROBE_EVERY_SECONDS } from '../run/bench';
import { Algo, Modality } from '../modalities/recipe';
import { withFile } from '../util/io-error';
import { collectSet, intFlag, numberFlag, startBackend } from './flags';
import { JSON_RESULT_HELP, addBackendOptions, addOutputOptions } from './common-options';
import { printJsonLine, say } from './output-lines';

export function registerBenchCommand(program: Command): void {
  const cmd = program
    .command('bench')
    .description('compare data2vec 1.0 and 2.0: samples/s, ms per update, training time until a linear probe reaches a threshold')
    .option('--modality <name>', 'image, audio or text', 'image')
    .option('--preset <name>', 'preset of every algorithm', 'tiny')
    .option('--compare <algos>', 'comma-separated algorithms', 'v1,v2')
    .option('--threshold <acc>', `linear-probe test accuracy to reach (default ${Object.entries(BENCH_THRESHOLDS).map(([m, t]) => `${m} ${t}`).join(', ')})`, numberFlag('--threshold'))
    .option('--seed <n>', 'seed of every run', intFlag('--seed'))
    .option('--probe-every-seconds <s>', `probe each time the training clock passes a multiple of this many seconds (default ${DEFAULT_PROBE_EVERY_SECONDS})`, numberFlag('--probe-every-seconds'))
    .option('--probe-every <n>', 'probe every this many updates instead of on the training clock', intFlag('--probe-every'))
    .option('--max-updates <n>', 'stop each algorithm after this many updates', intFlag('--max-updates'))
    .option('--max-seconds <s>', 'stop each algorithm after this many training seconds', numberFlag('--max-seconds'))
    .option('--profile [updates]', 'after the timed updates, profile this many more (default 3) per kernel: time, share of the update, calls, GFLOP/s', intFlag('--profile'))
    .option('--set <path=value>', 'set a config field of every algorithm, e.g. --set trainer.batchSize=16 (repeatable)', collectSet);
  addOutputOptions(addBackendOptions(cmd, 'wasm, cpu, tensorflow or webgpu').option('--out <file>', 'also write the result as JSON to this file'), { json: JSON_RESULT_HELP })
    .action(async (opts) => {
      await startBackend(opts.backend, opts.threads);
      const algos = String(opts.compare).split(',').map((s) => s.trim()).filter((s) => s !== '') as Algo[];
      const result = await benchCompare({
        modality: opts.modality as Modality, preset: opts.preset, algos, threshold: opts.threshold, seed: opts.seed,
        probeEverySeconds: opts.probeEverySeconds, probeEvery: opts.probeEvery, profile: opts.profile === true ? 3 : opts.profile, maxUpdates: opts.maxUpdates, maxSeconds: opts.maxSeconds,
        overrides: opts.set ? { set: opts.set as Record<string, string> } : undefined,
        onProbe: (algo, p) => say(`${algo} update ${p.update}: probe ${(100 * p.accuracy).toFixed(1)} % after ${p.seconds.toFixed(1)} s of training`),
      });
      say(formatBench(result));
      if (opts.out) withFile('write', opts.out, () => fs.writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n'), 'pass another --out file');
      printJsonLine(opts.json, result);
    });
}
