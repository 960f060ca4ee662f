/**
 * Host time of seeded weight initialisation (spec §1 initialisers; src/nn/init.ts):
 * building the `base` image model at 224×224×3 with patches of 16 (ViT-B, data2vec 1.0
 * and 2.0, as `scripts/gpu-check.js` builds it), and per-value cost of each initialiser
 * against per-value Box–Muller over alea (`Rng.normalArray` / `truncNormalArray` /
 * `uniformArray`, the previous initialisation). With `--base DIR` (another built checkout
 * with its node_modules) the model builds alternate between that checkout and this one,
 * so both see the same machine load. The builds run on the cpu backend, which keeps the
 * drawn arrays as they are, so the time is the host's drawing (on wasm a copy into the
 * wasm heap is added; on webgpu an upload). Writes bench/results/init-speed-<date>.json.
 *
 *     npm run build && node dist/bench/init-speed.js [--base /path/to/other/checkout] [--rounds 2] [--algos v1,v2]
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { Rng } from '../src/util/rng';
import { initValues } from '../src/nn/init';
import { median } from '../src/util/median';
import { machineInfo } from './machine-info';

/** Node source that builds the `base` 224² image model of `algo` with the checkout at `root` and prints its build time. */
function buildScript(root: string, algo: string): string {
  const at = (p: string) => JSON.stringify(path.join(root, p));
  return `
const tf = require(${at('node_modules/@tensorflow/tfjs')});
const { initBackend } = require(${at('dist/src/backend/select')});
const { getRecipe } = require(${at('dist/src/modalities/registry')});
const { scaledBlockMaskParams } = require(${at('dist/src/masking/block-mask-2d')});
(async () => {
  await initBackend('cpu'); // keeps the host arrays as they are: the time is the drawing, not a heap copy
  const recipe = getRecipe('image', ${JSON.stringify(algo)});
  const set = { 'model.imageSize': '[224,224]', 'model.patchSize': '16', 'model.channels': '3',
    normalize: JSON.stringify({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }) };
  if (${JSON.stringify(algo)} === 'v1') set.masking = JSON.stringify(scaledBlockMaskParams(14, 14));
  const config = recipe.config('base', { batchSize: 1, steps: 10, set });
  const ds = { name: 'one image', images: new Uint8Array(224 * 224 * 3), labels: new Int32Array(1), n: 1, height: 224, width: 224, channels: 3, classNames: ['x'] };
  const data = { describe: ds.name, trainSize: 1, testSize: 1, numClasses: 1, train: ds, test: ds };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const setup = recipe.build(config, data);
  const wall = (performance.now() - t0) / 1000;
  const u = process.cpuUsage(cpu0);
  const params = setup.objective.module.countParameters();
  process.stdout.write(JSON.stringify({ wall, cpu: (u.user + u.system) / 1e6, params }) + '\\n');
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;
}

/** One model build in a fresh Node process. */
function timeBuild(root: string, algo: string): { wall: number; cpu: number; params: number } {
  const r = spawnSync(process.execPath, ['-e', buildScript(root, algo)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`the ${algo} model build in ${root} failed: ${r.stderr.slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

/** Nanoseconds per value of two fills of `n` values, alternated `reps` times so both see the same load; best of each. */
function nsPerValue(n: number, reps: number, previous: (n: number) => Float32Array, now: (n: number) => Float32Array): { previous: number; now: number } {
  const best = { previous: Infinity, now: Infinity };
  for (let r = 0; r < reps; r++) {
    for (const [key, fill] of [['previous', previous], ['now', now]] as const) {
      const t0 = performance.now();
      fill(n);
      best[key] = Math.min(best[key], performance.now() - t0);
    }
  }
  return { previous: (best.previous * 1e6) / n, now: (best.now * 1e6) / n };
}

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const known = new Set(['--base', '--rounds', '--algos']);
  for (let i = 0; i < args.length; i += 2) {
    if (!known.has(args[i]) || args[i + 1] === undefined) throw new Error(`init-speed: unknown flag or missing value at '${args[i]}'; flags: --base DIR, --rounds N, --algos v1,v2.`);
  }
  const base = flag('--base');
  const rounds = Number(flag('--rounds') ?? 2);
  const algos = (flag('--algos') ?? 'v1,v2').split(',');
  const root = path.resolve(__dirname, '..', '..');

  // per-value cost of each initialiser, this process (previous: alea + Box–Muller per value)
  const n = 1 << 22;
  const rng = new Rng(0);
  const perValue = {
    truncNormal: nsPerValue(n, 5, (k) => rng.truncNormalArray(k, 0.02), (k) => initValues([k], { kind: 'truncNormal', std: 0.02 }, rng)),
    normal: nsPerValue(n, 5, (k) => rng.normalArray(k, 0.02), (k) => initValues([k], { kind: 'normal', std: 0.02 }, rng)),
    uniform: nsPerValue(n, 5, (k) => rng.uniformArray(k, -0.1, 0.1), (k) => initValues([k], { kind: 'uniform', lo: -0.1, hi: 0.1 }, rng)),
  };
  for (const [kind, v] of Object.entries(perValue)) console.log(`${kind}: ${v.previous.toFixed(1)} → ${v.now.toFixed(1)} ns per value (${(v.previous / v.now).toFixed(1)}×)`);

  const builds: Record<string, { checkout: string; wall: number[]; cpu: number[]; params: number }[]> = {};
  for (const algo of algos) {
    const sides = base ? [path.resolve(base), root] : [root];
    const rows = sides.map((checkout) => ({ checkout, wall: [] as number[], cpu: [] as number[], params: 0 }));
    for (let r = 0; r < rounds; r++) {
      for (const row of rows) {
        const t = timeBuild(row.checkout, algo);
        row.wall.push(t.wall);
        row.cpu.push(t.cpu);
        row.params = t.params;
      }
    }
    builds[algo] = rows;
    for (const row of rows) console.log(`base image ${algo} 224²/16 (${(row.params / 1e6).toFixed(1)} M parameters) built by ${row.checkout === root ? 'this checkout' : row.checkout}: median ${median(row.wall).toFixed(2)} s wall, ${median(row.cpu).toFixed(2)} CPU-s (rounds ${row.wall.map((w) => w.toFixed(2)).join(', ')})`);
  }

  const out = path.join(root, 'bench', 'results', `init-speed-${new Date().toISOString().slice(0, 10)}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ command: `node dist/bench/init-speed.js ${args.join(' ')}`.trim(), machine: machineInfo(), ns_per_value: perValue, builds }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main();
