/**
 * Micro-benchmark of batched matrix products on the wasm backend: tfjs 4.22's own
 * `BatchMatMul` kernel ("before") against the SIMD kernel of
 * `src/backend/batched-matmul.ts` ("after"), for the shapes attention produces
 * (logits q·kᵀ, probs·v, and the products of their gradients, which carry
 * transpose flags) and for the 2-D products of Linear layers (tfjs runs these
 * through XNNPACK when no flag is set), plus one attention forward + backward
 * through `matMul` of `src/nn/matmul.ts`.
 *
 * Rates are GFLOP/s (2·batch·m·k·n per product) from CPU time
 * (`process.cpuUsage`, robust on a shared machine) and from wall time, each the
 * best of 3 rounds.
 *
 * Then the SIMD kernel on 1 and on `--threads` threads (default: one per core;
 * `src/backend/matmul-pool.ts`) in the same run, for the large products: wall
 * GFLOP/s, and GFLOP/s per CPU-second (all threads' CPU time). On a loaded
 * machine the wall clock measures the load; CPU time measures the work.
 * `--threads-only` skips the tfjs comparison. Which kernel runs (`fma` or `simd`)
 * is printed: Node 20 runs the fused one with --experimental-wasm-relaxed-simd.
 *
 *     npx tsc -p tsconfig.json && node dist/bench/matmul.js [--quick] [--threads N] [--threads-only]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  matMulKernelVariant, matMulThreadStats, registerBatchedMatMul, setMatMulThreads, startMatMulThreads,
} from '../src/backend/batched-matmul';
import { defaultThreads } from '../src/backend/matmul-threads';
import { matMul } from '../src/nn/matmul';
import { assertKnownFlags } from './known-flags';

/** One product: batch × (m×k)·(k×n). */
interface Shape {
  label: string;
  batch: number;
  m: number;
  k: number;
  n: number;
}

const SHAPES: Shape[] = [
  { label: 'tiny image logits', batch: 256, m: 50, k: 16, n: 50 },
  { label: 'tiny image probs·v', batch: 256, m: 50, k: 50, n: 16 },
  { label: 'tiny image dk', batch: 256, m: 16, k: 50, n: 50 },
  { label: 'many tiny heads', batch: 1024, m: 16, k: 16, n: 16 },
  { label: 'T=128 logits', batch: 64, m: 128, k: 32, n: 128 },
  { label: 'T=128 probs·v', batch: 64, m: 128, k: 128, n: 32 },
  { label: 'T=256 logits', batch: 64, m: 256, k: 64, n: 256 },
  { label: 'T=256 probs·v', batch: 64, m: 256, k: 256, n: 64 },
  // 2-D products of Linear layers (tiny image: 64 images × 50 tokens, dim 64, MLP 256)
  { label: 'linear 64→64', batch: 1, m: 3200, k: 64, n: 64 },
  { label: 'linear 64→256', batch: 1, m: 3200, k: 64, n: 256 },
  { label: 'linear 256→64', batch: 1, m: 3200, k: 256, n: 64 },
];

type Variant = 'plain' | 'transposeA' | 'transposeB';
const VARIANTS: Variant[] = ['plain', 'transposeA', 'transposeB'];

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Run `f` once to warm up, then 3 rounds of `reps` runs; [cpu ms, wall ms] per run
 * of the fastest round of each (other work on the machine only ever slows a round).
 */
function time(f: () => void, reps: number): [number, number] {
  f(); // warm-up
  let best: [number, number] = [Infinity, Infinity];
  for (let round = 0; round < 3; round++) {
    const c0 = cpuMs();
    const w0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    best = [Math.min(best[0], (cpuMs() - c0) / reps), Math.min(best[1], (performance.now() - w0) / reps)];
  }
  return best;
}

function repsFor(flops: number, budgetFlops: number): number {
  return Math.max(2, Math.round(budgetFlops / flops));
}

/** GFLOP/s (cpu, wall) of one shape and variant with whatever kernel is registered. */
function productRate(s: Shape, v: Variant, budgetFlops: number): [number, number] {
  const a = tf.randomNormal(v === 'transposeA' ? [s.batch, s.k, s.m] : [s.batch, s.m, s.k]);
  const b = tf.randomNormal(v === 'transposeB' ? [s.batch, s.n, s.k] : [s.batch, s.k, s.n]);
  const flops = 2 * s.batch * s.m * s.k * s.n;
  const [cpu, wall] = time(() => tf.matMul(a, b, v === 'transposeA', v === 'transposeB').dispose(), repsFor(flops, budgetFlops));
  tf.dispose([a, b]);
  return [flops / cpu / 1e6, flops / wall / 1e6];
}

/** CPU ms of logits = q·kᵀ, probs = softmax, ctx = probs·v and the gradient wrt q, k, v. */
function attentionMs(batch: number, t: number, headDim: number, reps: number): number {
  const q = tf.randomNormal([batch, t, headDim]);
  const k = tf.randomNormal([batch, t, headDim]);
  const v = tf.randomNormal([batch, t, headDim]);
  const step = tf.grads((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) =>
    tf.sum(matMul(tf.softmax(matMul(qq, kk, true), -1), vv)),
  );
  const [cpu] = time(() => tf.dispose(step([q, k, v])), reps);
  tf.dispose([q, k, v]);
  return cpu;
}

/** Large products for the thread comparison. */
const THREAD_SHAPES: Shape[] = [
  { label: 'square 1024', batch: 1, m: 1024, k: 1024, n: 1024 },
  { label: 'small linear 384→1536', batch: 1, m: 800, k: 384, n: 1536 },
  { label: 'small linear 1536→384', batch: 1, m: 800, k: 1536, n: 384 },
  { label: 'linear 64→256', batch: 1, m: 3200, k: 64, n: 256 },
  { label: 'tiny image logits', batch: 256, m: 50, k: 16, n: 50 },
  { label: 'T=256 logits', batch: 64, m: 256, k: 64, n: 256 },
];

/** The SIMD kernel on 1 and `threads` threads, same run. */
async function threadTable(threads: number, quick: boolean): Promise<string[]> {
  registerBatchedMatMul();
  const rows = [
    `SIMD kernel (${matMulKernelVariant()}) on 1 and ${threads} threads, GFLOP/s: wall, and per CPU-second (all threads)`,
    `${'shape'.padEnd(22)} ${'batch×(m,k,n)'.padEnd(20)} ${'variant'.padEnd(11)} ${'1t wall'.padStart(8)} ${`${threads}t wall`.padStart(8)} ${'speed-up'.padStart(8)} ${'1t cpu'.padStart(8)} ${`${threads}t cpu`.padStart(8)}`,
  ];
  const rates = new Map<string, [number, number]>();
  for (const t of [1, threads]) {
    setMatMulThreads(t);
    await startMatMulThreads();
    for (const s of THREAD_SHAPES) for (const v of VARIANTS) rates.set(`${t}/${s.label}/${v}`, productRate(s, v, quick ? 2e8 : 8e8));
  }
  for (const s of THREAD_SHAPES) {
    for (const v of VARIANTS) {
      const [c1, w1] = rates.get(`1/${s.label}/${v}`) as [number, number];
      const [ct, wt] = rates.get(`${threads}/${s.label}/${v}`) as [number, number];
      rows.push(
        `${s.label.padEnd(22)} ${`${s.batch}×(${s.m},${s.k},${s.n})`.padEnd(20)} ${v.padEnd(11)} ${w1.toFixed(1).padStart(8)} ${wt.toFixed(1).padStart(8)} ${(wt / w1).toFixed(2).padStart(8)} ${c1.toFixed(1).padStart(8)} ${ct.toFixed(1).padStart(8)}`,
      );
    }
  }
  rows.push(`products shared by the pool: ${matMulThreadStats().products}, chunks by workers ${matMulThreadStats().workerChunks} of ${matMulThreadStats().chunks}`);
  return rows;
}

async function main(): Promise<void> {
  assertKnownFlags('matmul', process.argv.slice(2), { '--quick': 'switch', '--threads': 'value', '--threads-only': 'switch' });
  const quick = process.argv.includes('--quick');
  const t = process.argv.indexOf('--threads');
  const threads = t > 0 ? Number(process.argv[t + 1]) : defaultThreads();
  await tf.setBackend('wasm');
  await tf.ready();
  tf.enableProdMode();
  if (process.argv.includes('--threads-only')) {
    // eslint-disable-next-line no-console
    console.log((await threadTable(threads, quick)).join('\n'));
    return;
  }
  setMatMulThreads(1); // the tfjs comparison is one thread against one
  const before = new Map<string, [number, number]>();
  for (const s of SHAPES) for (const v of VARIANTS) before.set(`${s.label}/${v}`, productRate(s, v, quick ? 3e7 : 1e8));
  const attnBefore = attentionMs(256, 50, 16, quick ? 1 : 3);

  registerBatchedMatMul();
  const rows: string[] = [];
  rows.push(
    `${'shape'.padEnd(20)} ${'batch×(m,k,n)'.padEnd(20)} ${'variant'.padEnd(11)} ${'before cpu'.padStart(10)} ${'after cpu'.padStart(10)} ${'before wall'.padStart(11)} ${'after wall'.padStart(11)}`,
  );
  for (const s of SHAPES) {
    for (const v of VARIANTS) {
      const [bc, bw] = before.get(`${s.label}/${v}`) as [number, number];
      const [ac, aw] = productRate(s, v, quick ? 1e8 : 4e8);
      rows.push(
        `${s.label.padEnd(20)} ${`${s.batch}×(${s.m},${s.k},${s.n})`.padEnd(20)} ${v.padEnd(11)} ${bc.toFixed(2).padStart(10)} ${ac.toFixed(2).padStart(10)} ${bw.toFixed(2).padStart(11)} ${aw.toFixed(2).padStart(11)}`,
      );
    }
  }
  const attnAfter = attentionMs(256, 50, 16, quick ? 3 : 10);
  // eslint-disable-next-line no-console
  console.log(
    [
      'wasm BatchMatMul, GFLOP/s (CPU time and wall time)',
      ...rows,
      `attention fwd+bwd (256 heads, T=50, head dim 16), CPU ms: before ${attnBefore.toFixed(1)}, after ${attnAfter.toFixed(1)}`,
      ...(await threadTable(threads, quick)),
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  // eslint-disable-next-line no-console
  console.error(err);
  process.exit(1);
});
