/**
 * One data2vec 1.0 image pretraining update here (wasm backend) and in PyTorch on
 * the same shapes (spec Appendix A, image v1; `bench/peer/update_peer.py`): the
 * `tiny` preset at batch 64, `small` at batch 16 and 64, and one pre-LN block at
 * ViT-B width (768, 12 heads, 50 tokens, batch 16) forward + backward. Seconds
 * per update are medians of a few updates after one warm-up; the ratio
 * (ours / PyTorch samples per second) is what to read on a shared machine.
 *
 * The peer runs only when `/usr/bin/python3` imports torch (Debian `python3-torch`;
 * install `libopenblas0-pthread` too, or torch uses the reference BLAS and looks
 * ten times slower than it is). It runs with OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE removed from its environment, and the same thread count
 * (torch.set_num_threads plus OPENBLAS_NUM_THREADS and OMP_NUM_THREADS, since
 * OpenBLAS's pthread pool ignores torch's setting).
 * Both sides run on `--threads` threads (ours: the matrix-product pool of
 * src/backend/matmul-pool.ts). Wall seconds and process CPU seconds (all
 * threads) are both recorded: on a loaded machine the wall clock measures the
 * load, CPU time the work. Results go to
 * bench/results/update-compare-<date>-<threads>t.json with the machine.
 *
 * `--unfused` also times ours with the fused row kernels off (tfjs's composed
 * layer norm, GELU, softmax gradient and bias add: `useRowKernels(false)`), in
 * the same run, recorded as `ours_unfused_*` and `cpu_ratio_unfused`.
 *
 * `--only <text>` keeps the cases whose name contains the text (e.g. `tiny`), and
 * `--tag <word>` adds `-<word>` to the result file's name, so that repeated runs
 * keep their own files.
 *
 *     npm run build && node dist/bench/update-compare.js [--quick] [--threads 1] [--unfused] [--only tiny] [--tag run1]
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select';
import { getRecipe } from '../src/modalities/registry';
import { Trainer } from '../src/train/trainer';
import { TransformerBlock } from '../src/nn/transformer-block';
import { Rng } from '../src/util/rng';
import { median } from '../src/util/median';
import { machineInfo } from './machine-info';
import { rowKernelsActive, useRowKernels } from '../src/backend/row-kernels';
import { assertKnownFlags } from './known-flags';

/** One timed case; `update` cases are full image v1 updates, `layer` one block forward + backward. */
interface Case {
  name: string;
  kind: 'update' | 'layer';
  preset?: string;
  batch: number;
  dim: number;
  depth: number;
  heads: number;
  tokens?: number;
}

/** The shapes of the image v1 presets (28×28 grey images, patches of 4, MLP ratio 4). */
const SHAPES = { image: 28, channels: 1, patch: 4, mlp_ratio: 4 };

const CASES: Case[] = [
  { name: 'tiny update, batch 64', kind: 'update', preset: 'tiny', batch: 64, dim: 64, depth: 4, heads: 4 },
  { name: 'small update, batch 16', kind: 'update', preset: 'small', batch: 16, dim: 384, depth: 12, heads: 6 },
  { name: 'small update, batch 64', kind: 'update', preset: 'small', batch: 64, dim: 384, depth: 12, heads: 6 },
  { name: 'base-width block, batch 16', kind: 'layer', batch: 16, dim: 768, depth: 1, heads: 12, tokens: 50 },
];

/** Medians of wall and process CPU seconds (all threads) per step. */
interface Timing {
  wall: number;
  cpu: number;
}

async function seconds(f: () => unknown, reps: number): Promise<Timing> {
  await f(); // warm-up (first update also grows the heap and creates the optimizer state)
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await f();
    const c = process.cpuUsage(c0);
    walls.push((performance.now() - t0) / 1000);
    cpus.push((c.user + c.system) / 1e6);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

async function ourSeconds(c: Case, reps: number): Promise<Timing> {
  if (c.kind === 'layer') {
    const rng = new Rng('bench');
    const block = new TransformerBlock({ dim: c.dim, heads: c.heads, norm: 'pre', layerScale: 0.1 }, rng);
    const x = tf.tensor(rng.normalArray(c.batch * (c.tokens as number) * c.dim), [c.batch, c.tokens as number, c.dim]);
    const params = block.namedTrainableParameters().map(([, v]) => v);
    const s = await seconds(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(block.forward(x).out)) as tf.Scalar, params);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    }, reps);
    x.dispose();
    block.dispose();
    return s;
  }
  const recipe = getRecipe('image', 'v1');
  const config = recipe.config(c.preset as string, { batchSize: c.batch, accumulation: 1, steps: 1000 }); // one micro-batch, as the peer
  const setup = recipe.build(config, recipe.loadData(config));
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  const s = await seconds(() => trainer.step(), reps);
  trainer.dispose();
  setup.objective.dispose();
  return s;
}

/** The peer's result, or why it did not run. */
function peer(cases: Case[], threads: number, reps: number): Record<string, unknown> {
  const python = '/usr/bin/python3';
  if (!fs.existsSync(python) || spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    return { skipped: `${python} cannot import torch (apt-get install python3-torch libopenblas0-pthread)` };
  }
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // torch.set_num_threads does not bound OpenBLAS's own pthread pool: without these the
  // "1-thread" peer keeps both cores busy (CPU seconds twice the wall seconds) and its
  // matrix products contend with its spinning workers.
  env.OPENBLAS_NUM_THREADS = String(threads);
  env.OMP_NUM_THREADS = String(threads);
  const spec = {
    threads,
    reps,
    cases: cases.map((c) => ({ ...SHAPES, ...c, top_k: c.preset === 'tiny' ? 2 : 6, layer_scale: 0.1 })),
  };
  const script = path.resolve(__dirname, '../../bench/peer/update_peer.py');
  const run = spawnSync(python, [script, JSON.stringify(spec)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (run.status !== 0) return { failed: run.stderr.trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
}

async function main(): Promise<void> {
  assertKnownFlags('update-compare', process.argv.slice(2), { '--quick': 'switch', '--threads': 'value', '--only': 'value', '--tag': 'value', '--unfused': 'switch' });
  const quick = process.argv.includes('--quick');
  const t = process.argv.indexOf('--threads');
  const threads = t > 0 ? Number(process.argv[t + 1]) : 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got "${process.argv[t + 1]}".`);
  const reps = quick ? 2 : 3;
  const option = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const only = option('--only');
  const tag = option('--tag');
  const cases = (quick ? CASES.filter((c) => c.batch !== 64 || c.preset === 'tiny') : CASES).filter((c) => only === undefined || c.name.includes(only));
  if (cases.length === 0) throw new Error(`--only "${only}" matches no case; the cases are: ${CASES.map((c) => c.name).join(', ')}.`);
  const info = await initBackend('wasm', { threads });
  tf.enableProdMode();
  const unfused = process.argv.includes('--unfused');
  const ours: Record<string, Timing> = {};
  const oursUnfused: Record<string, Timing> = {};
  for (const c of cases) {
    if (unfused) {
      useRowKernels(false);
      oursUnfused[c.name] = await ourSeconds(c, reps);
      useRowKernels(true);
      process.stderr.write(`ours unfused ${c.name}: ${oursUnfused[c.name].wall.toFixed(3)} s wall, ${oursUnfused[c.name].cpu.toFixed(3)} s CPU\n`);
    }
    ours[c.name] = await ourSeconds(c, reps);
    process.stderr.write(`ours ${c.name}: ${ours[c.name].wall.toFixed(3)} s wall, ${ours[c.name].cpu.toFixed(3)} s CPU\n`);
  }
  const theirs = peer(cases, threads, reps);
  const peerSeconds = (theirs.seconds ?? {}) as Record<string, number>;
  const peerCpu = (theirs.cpu_seconds ?? {}) as Record<string, number>;
  const rate = (batch: number, s: number | undefined) => (s === undefined ? null : batch / s);
  const rows = cases.map((c) => {
    const mine = c.batch / ours[c.name].wall;
    const mineCpu = c.batch / ours[c.name].cpu;
    const other = rate(c.batch, peerSeconds[c.name]);
    const otherCpu = rate(c.batch, peerCpu[c.name]);
    return {
      case: c.name,
      ours_samples_per_s: mine,
      peer_samples_per_s: other,
      ratio: other === null ? null : mine / other,
      ours_samples_per_cpu_s: mineCpu,
      peer_samples_per_cpu_s: otherCpu,
      cpu_ratio: otherCpu === null ? null : mineCpu / otherCpu,
      ...(unfused
        ? {
            ours_unfused_samples_per_s: c.batch / oursUnfused[c.name].wall,
            ours_unfused_samples_per_cpu_s: c.batch / oursUnfused[c.name].cpu,
            cpu_ratio_unfused: otherCpu === null ? null : c.batch / oursUnfused[c.name].cpu / otherCpu,
          }
        : {}),
    };
  });
  const result = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    node: process.version,
    ours: { backend: 'wasm', threads: info.threads, fused_row_kernels: rowKernelsActive(), unfused_also_timed: unfused },
    peer: { ...theirs, seconds: undefined, cpu_seconds: undefined },
    threads,
    rows,
  };
  const dir = path.resolve(__dirname, '../../bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `update-compare-${result.date.slice(0, 10)}-${threads}t${tag === undefined ? '' : `-${tag}`}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  for (const r of rows) {
    // eslint-disable-next-line no-console
    console.log(
      `${r.case.padEnd(28)} wall: ours ${r.ours_samples_per_s.toFixed(1).padStart(7)}/s  peer ${r.peer_samples_per_s === null ? '     -' : r.peer_samples_per_s.toFixed(1).padStart(7)}/s  ratio ${r.ratio === null ? '-' : r.ratio.toFixed(2)}` +
        `   CPU: ours ${r.ours_samples_per_cpu_s.toFixed(1).padStart(7)}/s  peer ${r.peer_samples_per_cpu_s === null ? '     -' : r.peer_samples_per_cpu_s.toFixed(1).padStart(7)}/s  ratio ${r.cpu_ratio === null ? '-' : r.cpu_ratio.toFixed(2)}` +
        (r.ours_unfused_samples_per_cpu_s === undefined ? '' : `   unfused: ${r.ours_unfused_samples_per_cpu_s.toFixed(1)}/CPU-s, ratio ${r.cpu_ratio_unfused == null ? '-' : r.cpu_ratio_unfused.toFixed(2)}`),
    );
  }
  // eslint-disable-next-line no-console
  console.log(`written ${file}`);
}

main().catch((err: unknown) => {
  // eslint-disable-next-line no-console
  console.error(err);
  process.exit(1);
});
