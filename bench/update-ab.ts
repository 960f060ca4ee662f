/**
 * Before/after timing of one data2vec 1.0 image update (spec Appendix A,
 * image v1; `tiny` at batch 64 by default, wasm) between two built checkouts of
 * this project, e.g. `main` and a change: separate Node processes, alternated
 * base / this one for several rounds so that both see the same load, each
 * timing a few updates after one warm-up. Process CPU seconds per update are
 * what to read on a shared machine at one thread; the per-round ratio (base
 * CPU / ours) cancels most of the load, and the losses show whether the change
 * moved them. Each round also gives the ratio of the fastest update of each
 * side (`speedup_best`): on a machine that other jobs load unevenly, the
 * fastest of a process's updates is the one least slowed by them. On more
 * than one thread the CPU time adds up every thread's work, so the wall-clock
 * ratios (`speedup_wall`, `speedup_best_wall`) are the ones to read there.
 *
 * `--threads N` runs both sides on N matrix-product threads (default 1), and
 * `--base-threads M` the base on M instead: `--base . --base-threads 1
 * --threads 2` times one checkout on 1 and on 2 threads, alternated
 * (`--ours <dir>` times another checkout than this one as "ours").
 * `--preset small` times the `small` preset (batch 16 unless `--batch`).
 * Writes bench/results/update-ab-<date>.json, or
 * `update-ab-<date>-<tag>.json` with `--tag <word>`.
 *
 *     npm run build && node dist/bench/update-ab.js --base /path/to/other/checkout [--rounds 8] [--updates 6] [--threads 2] [--base-threads 1] [--preset small] [--batch 16] [--ours dir] [--tag word]
 *
 * The other checkout must be built (`npm run build`) with its own node_modules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { median } from '../src/util/median';
import { machineInfo } from './machine-info';

/** The timed updates of one process: CPU and wall seconds, and the loss, per update. */
interface Run {
  cpu: number[];
  wall: number[];
  loss: (number | null)[];
}

/** What one process times: the preset, its batch, the matrix-product threads and the updates. */
interface Setting {
  preset: string;
  batch: number;
  threads: number;
  updates: number;
}

/** Node source that builds the image v1 trainer of the checkout at `root` and times `s.updates` updates. */
function stepScript(root: string, s: Setting): string {
  const at = (p: string) => JSON.stringify(path.join(root, p));
  return `
const tf = require(${at('node_modules/@tensorflow/tfjs')});
const { initBackend } = require(${at('dist/src/backend/select')});
const { getRecipe } = require(${at('dist/src/modalities/registry')});
const { Trainer } = require(${at('dist/src/train/trainer')});
(async () => {
  await initBackend('wasm', { threads: ${s.threads} });
  tf.enableProdMode();
  const recipe = getRecipe('image', 'v1');
  const config = recipe.config(${JSON.stringify(s.preset)}, { batchSize: ${s.batch}, accumulation: 1, steps: 1000 });
  const setup = recipe.build(config, recipe.loadData(config));
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  await trainer.step();
  const cpu = [], wall = [], loss = [];
  for (let i = 0; i < ${s.updates}; i++) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    const r = await trainer.step();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6); wall.push((performance.now() - t0) / 1000); loss.push(r && typeof r.loss === 'number' ? r.loss : null);
  }
  console.log(JSON.stringify({ cpu, wall, loss }));
})();`;
}

function timeCheckout(root: string, setting: Setting): Run {
  const run = spawnSync(process.execPath, ['-e', stepScript(root, setting)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`timing ${root} failed: ${run.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Run;
}

/** The options this bench takes, each followed by its value. */
const OPTIONS = ['--base', '--rounds', '--updates', '--threads', '--base-threads', '--preset', '--batch', '--ours', '--tag'];

function main(): void {
  const unknown = process.argv.slice(2).filter((a, i, all) => a.startsWith('--') && !OPTIONS.includes(a) && !OPTIONS.includes(all[i - 1]));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]}; the options are ${OPTIONS.join(', ')}.`);
  const option = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const base = option('--base');
  if (base === undefined || !fs.existsSync(path.join(base, 'dist/src/backend/select.js'))) {
    throw new Error(`--base must name a built checkout of this project (dist/src/backend/select.js missing under "${base}"): run npm ci && npm run build there.`);
  }
  const count = (name: string, fallback: number) => {
    const raw = option(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got "${raw}".`);
    return n;
  };
  const rounds = count('--rounds', 8);
  const updates = count('--updates', 6);
  const threads = count('--threads', 1);
  const baseThreads = count('--base-threads', threads);
  const preset = option('--preset') ?? 'tiny';
  if (preset !== 'tiny' && preset !== 'small') throw new Error(`--preset must be tiny or small, got "${preset}".`);
  const batch = count('--batch', preset === 'tiny' ? 64 : 16);
  const ours = path.resolve(option('--ours') ?? path.resolve(__dirname, '../..'));
  if (!fs.existsSync(path.join(ours, 'dist/src/backend/select.js'))) throw new Error(`--ours must name a built checkout of this project (dist/src/backend/select.js missing under "${ours}").`);
  const tag = option('--tag');
  const perRound: {
    round: number; load: number[]; base: Run; ours: Run; speedup: number; speedup_best: number; speedup_wall: number; speedup_best_wall: number;
  }[] = [];
  for (let r = 1; r <= rounds; r++) {
    const load = [fs.readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number)[0]];
    const b = timeCheckout(path.resolve(base), { preset, batch, threads: baseThreads, updates });
    const o = timeCheckout(ours, { preset, batch, threads, updates });
    load.push(fs.readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number)[0]);
    const speedup = median(b.cpu) / median(o.cpu);
    const speedupBest = Math.min(...b.cpu) / Math.min(...o.cpu);
    const speedupWall = median(b.wall) / median(o.wall);
    const speedupBestWall = Math.min(...b.wall) / Math.min(...o.wall);
    perRound.push({ round: r, load, base: b, ours: o, speedup, speedup_best: speedupBest, speedup_wall: speedupWall, speedup_best_wall: speedupBestWall });
    process.stderr.write(
      `round ${r}: per CPU-second base ${(batch / median(b.cpu)).toFixed(1)}, ours ${(batch / median(o.cpu)).toFixed(1)} (${speedup.toFixed(3)}×; fastest ${speedupBest.toFixed(3)}×); ` +
        `per wall second base ${(batch / median(b.wall)).toFixed(1)}, ours ${(batch / median(o.wall)).toFixed(1)} (${speedupWall.toFixed(3)}×; fastest ${speedupBestWall.toFixed(3)}×), load ${load.join(' → ')}\n`,
    );
  }
  const spread = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    return { min: sorted[0], median: median(sorted), max: sorted[sorted.length - 1] };
  };
  const rate = (runs: Run[], key: 'cpu' | 'wall') => batch / median(runs.flatMap((x) => x[key]));
  const best = (runs: Run[], key: 'cpu' | 'wall') => batch / Math.min(...runs.flatMap((x) => x[key]));
  const bases = perRound.map((x) => x.base);
  const ourRuns = perRound.map((x) => x.ours);
  const result = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    node: process.version,
    case: `image v1 ${preset} update, batch ${batch}, wasm, ${threads} thread${threads === 1 ? '' : 's'}${baseThreads === threads ? '' : ` (base: ${baseThreads})`}`,
    base: path.resolve(base),
    preset,
    batch,
    threads,
    base_threads: baseThreads,
    rounds,
    updates_per_process: updates,
    base_samples_per_cpu_s: rate(bases, 'cpu'),
    ours_samples_per_cpu_s: rate(ourRuns, 'cpu'),
    speedup_per_round: spread(perRound.map((x) => x.speedup)),
    base_best_samples_per_cpu_s: best(bases, 'cpu'),
    ours_best_samples_per_cpu_s: best(ourRuns, 'cpu'),
    speedup_best_per_round: spread(perRound.map((x) => x.speedup_best)),
    base_samples_per_s: rate(bases, 'wall'),
    ours_samples_per_s: rate(ourRuns, 'wall'),
    speedup_wall_per_round: spread(perRound.map((x) => x.speedup_wall)),
    base_best_samples_per_s: best(bases, 'wall'),
    ours_best_samples_per_s: best(ourRuns, 'wall'),
    speedup_best_wall_per_round: spread(perRound.map((x) => x.speedup_best_wall)),
    per_round: perRound,
  };
  const dir = path.resolve(__dirname, '../../bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `update-ab-${result.date.slice(0, 10)}${tag === undefined ? '' : `-${tag}`}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const line = (label: string, b: number, o: number, r: { min: number; median: number; max: number }) =>
    `${label}: base ${b.toFixed(1)}, ours ${o.toFixed(1)}; per-round ratio ${r.min.toFixed(2)}–${r.max.toFixed(2)} (median ${r.median.toFixed(2)})`;
  // eslint-disable-next-line no-console
  console.log(
    [
      `${result.case}`,
      line('samples per CPU-second', result.base_samples_per_cpu_s, result.ours_samples_per_cpu_s, result.speedup_per_round),
      line('samples per wall second', result.base_samples_per_s, result.ours_samples_per_s, result.speedup_wall_per_round),
      line('fastest update, samples per wall second', result.base_best_samples_per_s, result.ours_best_samples_per_s, result.speedup_best_wall_per_round),
      `written ${file}`,
    ].join('\n'),
  );
}

try {
  main();
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
