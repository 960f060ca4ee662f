/**
 * When sharing a matrix product with the worker threads pays
 * (src/backend/matmul-pool.ts; platform facts: "wasm is the default backend"):
 * the wall time of each product of the `tiny` and `small` image v1 presets
 * (spec Appendix A), and of Linear products of growing size, on the main
 * thread alone against shared in 2, 4 and 6 chunks (the pool's threshold
 * forced either way), alternated in rounds, fastest of `--reps` calls each.
 * The ratio (best shared / alone) below 1 is where sharing pays; the pool's
 * cost model (`chunkPlan`: `COPY_COST_MACS`, `SHARE_COST_MACS`) is fitted to
 * these numbers, and its decision is printed next to them. Needs a second
 * core free to mean anything; results go to
 * bench/results/pool-threshold-<date>[-<tag>].json with the machine's load.
 *
 *     npm run build && node dist/bench/pool-threshold.js [--threads 2] [--rounds 3] [--reps 8] [--tag word]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select';
import { startMatMulThreads } from '../src/backend/batched-matmul';
import { headMatMul, headOperand } from '../src/backend/head-matmul';
import * as pool from '../src/backend/matmul-pool';
import { machineInfo } from './machine-info';
import { assertKnownFlags } from './known-flags';

/** One product: its operands' shapes, how to run it, and what chunkPlan needs of it. */
interface Product {
  label: string;
  shapes: [number[], number[]];
  run: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  planned: pool.PlannedProduct;
}

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

function dense(label: string, m: number, k: number, n: number, ta = false, tb = false): Product {
  const a = ta ? [k, m] : [m, k];
  const b = tb ? [n, k] : [k, n];
  return { label, shapes: [a, b], run: (x, y) => tf.matMul(x, y, ta, tb), planned: { batch: 1, m, n, k, aElements: size(a), bElements: size(b) } };
}

function heads(label: string, a: number[], b: number[], h: number, ta: boolean, tb: boolean): Product {
  const A = headOperand(a, h, ta, 'a');
  const B = headOperand(b, h, tb, 'b');
  const grouped = { size: h, aItem: 0, bItem: 0, cItem: 0, aGroup: 0, bGroup: 0, cGroup: h * A.rows * B.cols, cRow: 0 };
  return {
    label, shapes: [a, b], run: (x, y) => headMatMul(x, y, h, ta, tb),
    planned: { batch: a[0] * h, m: A.rows, n: B.cols, k: A.cols, aElements: size(a), bElements: size(b), grouped },
  };
}

const PRODUCTS: Product[] = [
  ...[50, 200, 800, 1600, 3200].map((m) => dense(`${m}×64 · 64×64`, m, 64, 64)),
  dense('tiny MLP 3200×64 · 64×256', 3200, 64, 256),
  dense('tiny MLP 3200×256 · 256×64', 3200, 256, 64),
  dense('tiny dW 3200×64ᵀ · 3200×64', 64, 3200, 64, true, false),
  dense('tiny dX 3200×64 · 64×64ᵀ', 3200, 64, 64, false, true),
  dense('tiny patches 3136×16 · 16×64', 3136, 16, 64),
  heads('tiny logits q·kᵀ', [64, 50, 64], [64, 50, 64], 4, false, true),
  heads('tiny context p·v', [64, 4, 50, 50], [64, 50, 64], 4, false, false),
  heads('tiny dk pᵀ·q', [64, 4, 50, 50], [64, 50, 64], 4, true, false),
  dense('small 800×384 · 384×384', 800, 384, 384),
  dense('small MLP 800×384 · 384×1536', 800, 384, 1536),
  dense('small dW 800×384ᵀ · 800×384', 384, 800, 384, true, false),
  heads('small logits q·kᵀ', [16, 50, 384], [16, 50, 384], 6, false, true),
  heads('small context p·v', [16, 6, 50, 50], [16, 50, 384], 6, false, false),
];

/** `pool.MIN_CHUNK_MACS` and the two costs, overridden for one setting (the module's exports are writable at run time). */
function force(chunks: number | 'alone', macs: number): void {
  const exports = pool as unknown as Record<string, number>;
  exports.MIN_CHUNK_MACS = chunks === 'alone' ? Number.MAX_SAFE_INTEGER : Math.floor(macs / chunks);
  exports.COPY_COST_MACS = 0;
  exports.SHARE_COST_MACS = 0;
}

async function main(): Promise<void> {
  assertKnownFlags('pool-threshold', process.argv.slice(2), { '--threads': 'value', '--rounds': 'value', '--reps': 'value', '--tag': 'value' });
  const option = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
  const threads = Number(option('--threads', '2'));
  const rounds = Number(option('--rounds', '3'));
  const reps = Number(option('--reps', '8'));
  const tag = process.argv.includes('--tag') ? option('--tag', '') : undefined;
  await initBackend('wasm', { threads });
  tf.enableProdMode();
  const started = await startMatMulThreads();
  if (started < 2) throw new Error(`the worker pool did not start (${started} thread): nothing to compare.`);
  const saved = { ...(pool as unknown as Record<string, number>) };
  const decisions = PRODUCTS.map((p) => pool.chunkPlan(p.planned, threads) !== undefined);
  const settings: (number | 'alone')[] = ['alone', 2, 4, 6];
  const best = PRODUCTS.map(() => settings.map(() => Infinity));
  const operands = PRODUCTS.map((p) => p.shapes.map((s) => tf.randomNormal(s)) as [tf.Tensor, tf.Tensor]);
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    loads.push(machineInfo().loadavg[0]);
    PRODUCTS.forEach((p, i) => {
      const macs = p.planned.batch * p.planned.m * p.planned.n * p.planned.k;
      settings.forEach((setting, j) => {
        force(setting, macs);
        for (let rep = 0; rep <= reps; rep++) {
          const t0 = performance.now();
          const out = p.run(...operands[i]);
          const ms = performance.now() - t0;
          out.dispose();
          if (rep > 0) best[i][j] = Math.min(best[i][j], ms);
        }
      });
    });
  }
  Object.assign(pool as unknown as Record<string, number>, { MIN_CHUNK_MACS: saved.MIN_CHUNK_MACS, COPY_COST_MACS: saved.COPY_COST_MACS, SHARE_COST_MACS: saved.SHARE_COST_MACS });
  tf.dispose(operands.flat());
  const rows = PRODUCTS.map((p, i) => ({
    product: p.label,
    mmacs: (p.planned.batch * p.planned.m * p.planned.n * p.planned.k) / 1e6,
    alone_ms: best[i][0],
    shared_ms: { chunks2: best[i][1], chunks4: best[i][2], chunks6: best[i][3] },
    ratio: Math.min(...best[i].slice(1)) / best[i][0],
    chunk_plan_shares: decisions[i],
  }));
  const result = { date: new Date().toISOString(), machine: machineInfo(), node: process.version, threads, rounds, reps, loadavg_per_round: loads, rows };
  const dir = path.resolve(__dirname, '../../bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pool-threshold-${result.date.slice(0, 10)}${tag === undefined ? '' : `-${tag}`}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const lines = [
    `${'product'.padEnd(32)}${'MMAC'.padStart(7)}${'alone'.padStart(8)}${'2 ch'.padStart(8)}${'4 ch'.padStart(8)}${'6 ch'.padStart(8)}  shared/alone  chunkPlan`,
    ...rows.map((r) =>
      `${r.product.padEnd(32)}${r.mmacs.toFixed(1).padStart(7)}${[r.alone_ms, r.shared_ms.chunks2, r.shared_ms.chunks4, r.shared_ms.chunks6].map((x) => x.toFixed(3).padStart(8)).join('')}  ${r.ratio.toFixed(2).padStart(12)}  ${r.chunk_plan_shares ? 'shares' : 'alone'}`),
    `load ${loads.map((l) => l.toFixed(1)).join(', ')}; written ${file}`,
  ];
  // eslint-disable-next-line no-console
  console.log(lines.join('\n'));
  process.exit(0);
}

main().catch((err: unknown) => {
  // eslint-disable-next-line no-console
  console.error(err);
  process.exit(1);
});
