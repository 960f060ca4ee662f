/**
 * `npm run bench`: data2vec 1.0 vs 2.0 on the bundled images (tiny presets by
 * default) under the fixed protocol of `src/run/bench.ts`, printing throughput, ms
 * per update, time to the probe threshold and the v1/v2 ratios.
 *
 * Flags: --preset NAME, --threshold ACC, --seed N, --probe-every N, --max-updates N,
 * --max-seconds S, --probe-train N, --backend NAME, --json (print the result object
 * only), --out FILE (also write it as JSON).
 */
import * as fs from 'fs';
import { initBackend, describeBackend } from '../src/backend/select';
import { BenchOptions, benchCompare, formatBench } from '../src/run/bench';

function parseArgs(argv: string[]): { options: BenchOptions; json: boolean; out?: string; backend?: string } {
  const options: BenchOptions = { modality: 'image', preset: 'tiny', algos: ['v1', 'v2'] };
  let json = false;
  let out: string | undefined;
  let backend: string | undefined;
  const num = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${flag} needs a number, got ${v}.`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--preset': options.preset = argv[++i]; break;
      case '--threshold': options.threshold = num(a, argv[++i]); break;
      case '--seed': options.seed = num(a, argv[++i]); break;
      case '--probe-every': options.probeEvery = num(a, argv[++i]); break;
      case '--max-updates': options.maxUpdates = num(a, argv[++i]); break;
      case '--max-seconds': options.maxSeconds = num(a, argv[++i]); break;
      case '--probe-train': options.probeTrainSize = num(a, argv[++i]); break;
      case '--backend': backend = argv[++i]; break;
      case '--json': json = true; break;
      case '--out': out = argv[++i]; break;
      default: throw new Error(`unknown flag ${a}; see the header of bench/run.ts for the flags.`);
    }
  }
  return { options, json, out, backend };
}

async function main(): Promise<void> {
  const { options, json, out, backend } = parseArgs(process.argv.slice(2));
  const info = await initBackend(backend);
  if (!json) console.error(describeBackend(info));
  const result = benchCompare({
    ...options,
    onProbe: (algo, p) => {
      if (!json) console.error(`  ${algo} update ${p.update}: probe ${p.accuracy.toFixed(3)} after ${p.seconds.toFixed(1)} s of training`);
    },
  });
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(json ? JSON.stringify(result, null, 2) : formatBench(result));
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
