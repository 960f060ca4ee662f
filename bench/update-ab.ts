/**
 * Before/after timing of one data2vec 1.0 `tiny` image update (spec Appendix A,
 * image v1; batch 64, one thread, wasm) between two built checkouts of this
 * project, e.g. `main` and a change: separate Node processes, alternated base /
 * this one for several rounds so that both see the same load, each timing a few
 * updates after one warm-up. Process CPU seconds per update are what to read on
 * a shared machine; the per-round ratio (base CPU / ours) cancels most of the
 * load, and the losses show whether the change moved them. Each round also
 * gives the ratio of the fastest update of each side (`speedup_best`): on a
 * machine that other jobs load unevenly, the fastest of a process's updates
 * is the one least slowed by them. Writes bench/results/update-ab-<date>.json,
 * or `update-ab-<date>-<tag>.json` with `--tag <word>`.
 *
 *     npm run build && node dist/bench/update-ab.js --base /path/to/other/checkout [--rounds 8] [--updates 6] [--tag word]
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

/** Node source that builds the tiny v1 trainer of the checkout at `root` and times `updates` updates. */
function stepScript(root: string, updates: number): string {
  const at = (p: string) => JSON.stringify(path.join(root, p));
  return `
const tf = require(${at('node_modules/@tensorflow/tfjs')});
const { initBackend } = require(${at('dist/src/backend/select')});
const { getRecipe } = require(${at('dist/src/modalities/registry')});
const { Trainer } = require(${at('dist/src/train/trainer')});
(async () => {
  await initBackend('wasm', { threads: 1 });
  tf.enableProdMode();
  const recipe = getRecipe('image', 'v1');
  const config = recipe.config('tiny', { batchSize: 64, accumulation: 1, steps: 1000 });
  const setup = recipe.build(config, recipe.loadData(config));
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  await trainer.step();
  const cpu = [], wall = [], loss = [];
  for (let i = 0; i < ${updates}; i++) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    const r = await trainer.step();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6); wall.push((performance.now() - t0) / 1000); loss.push(r && typeof r.loss === 'number' ? r.loss : null);
  }
  console.log(JSON.stringify({ cpu, wall, loss }));
})();`;
}

function timeCheckout(root: string, updates: number): Run {
  const run = spawnSync(process.execPath, ['-e', stepScript(root, updates)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`timing ${root} failed: ${run.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Run;
}

function main(): void {
  const option = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const base = option('--base');
  if (base === undefined || !fs.existsSync(path.join(base, 'dist/src/backend/select.js'))) {
    throw new Error(`--base must name a built checkout of this project (dist/src/backend/select.js missing under "${base}"): run npm ci && npm run build there.`);
  }
  const rounds = Number(option('--rounds') ?? 8);
  const updates = Number(option('--updates') ?? 6);
  const ours = path.resolve(__dirname, '../..');
  const tag = option('--tag');
  const perRound: { round: number; load: number[]; base: Run; ours: Run; speedup: number; speedup_best: number }[] = [];
  for (let r = 1; r <= rounds; r++) {
    const load = [fs.readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number)[0]];
    const b = timeCheckout(path.resolve(base), updates);
    const o = timeCheckout(ours, updates);
    load.push(fs.readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number)[0]);
    const speedup = median(b.cpu) / median(o.cpu);
    const speedupBest = Math.min(...b.cpu) / Math.min(...o.cpu);
    perRound.push({ round: r, load, base: b, ours: o, speedup, speedup_best: speedupBest });
    process.stderr.write(`round ${r}: base ${(64 / median(b.cpu)).toFixed(1)}, ours ${(64 / median(o.cpu)).toFixed(1)} samples per CPU-second (${speedup.toFixed(3)}×; fastest updates ${speedupBest.toFixed(3)}×), load ${load.join(' → ')}\n`);
  }
  const rate = (runs: Run[]) => 64 / median(runs.flatMap((x) => x.cpu));
  const speedups = perRound.map((x) => x.speedup).sort((a, b) => a - b);
  const bests = perRound.map((x) => x.speedup_best).sort((a, b) => a - b);
  const best = (runs: Run[]) => 64 / Math.min(...runs.flatMap((x) => x.cpu));
  const result = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    node: process.version,
    case: 'image v1 tiny update, batch 64, wasm, 1 thread',
    base: path.resolve(base),
    rounds,
    updates_per_process: updates,
    base_samples_per_cpu_s: rate(perRound.map((x) => x.base)),
    ours_samples_per_cpu_s: rate(perRound.map((x) => x.ours)),
    speedup_per_round: { min: speedups[0], median: median(speedups), max: speedups[speedups.length - 1] },
    base_best_samples_per_cpu_s: best(perRound.map((x) => x.base)),
    ours_best_samples_per_cpu_s: best(perRound.map((x) => x.ours)),
    speedup_best_per_round: { min: bests[0], median: median(bests), max: bests[bests.length - 1] },
    per_round: perRound,
  };
  const dir = path.resolve(__dirname, '../../bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `update-ab-${result.date.slice(0, 10)}${tag === undefined ? '' : `-${tag}`}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  // eslint-disable-next-line no-console
  console.log(`tiny update, samples per CPU-second: base ${result.base_samples_per_cpu_s.toFixed(1)}, ours ${result.ours_samples_per_cpu_s.toFixed(1)}; per-round speed-up ${speedups[0].toFixed(2)}–${speedups[speedups.length - 1].toFixed(2)} (median ${median(speedups).toFixed(2)}); fastest updates ${bests[0].toFixed(2)}–${bests[bests.length - 1].toFixed(2)} (median ${median(bests).toFixed(2)}); written ${file}`);
}

main();
