/**
 * Device memory of pretraining updates (spec §6) on the `webgpu` backend under each
 * buffer-reuse rule of `src/backend/webgpu-buffer-pool.ts` (`D2V_WEBGPU_BUFFER_FIT`:
 * `exact` is tfjs's own pool, a number r reuses a free buffer up to r× the request).
 * Each rule runs in its own process. Reported from the buffer manager's bookkeeping,
 * which is the same on a software adapter as on a GPU for the same kernel sequence:
 * bytes allocated after each update, the peak of bytes in use (live buffers and those
 * waiting for the next submit; whole buffers) and the peak of the bytes those
 * buffers were asked for.
 *
 * With `--budgets` (sizes as `D2V_WEBGPU_MEMORY_LIMIT` takes them, `none` for no budget)
 * each fit also runs under each device-memory budget, and each row says how many
 * buffers each update created on the device and how many free ones the budget destroyed:
 * the churn a GPU pays for the budget. `--trace FILE` writes every buffer request for
 * `bench/webgpu-pool-replay.ts`.
 *
 * With `--size`, an image recipe runs on random RGB pixels of that size (so a `base`
 * model can be measured at a reduced image size); otherwise the preset's data is loaded.
 *
 *     npm run build && node dist/bench/webgpu-buffer-pool.js [--modality image] [--algo v1] \
 *       [--preset base] [--size 112] [--batch 2] [--updates 3] [--fits exact,1.25,2,4] \
 *       [--budgets none,2.3GB] [--trace file.json] [--out file.json]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select';
import { installedBufferPool } from '../src/backend/webgpu-buffer-pool';
import { getRecipe } from '../src/modalities/registry';
import { Algo, BaseRunConfig, Modality, Recipe, RecipeData } from '../src/modalities/recipe';
import { ImageDataset } from '../src/data/image-dataset';
import { scaledBlockMaskParams } from '../src/masking/block-mask-2d';
import { Trainer } from '../src/train/trainer';
import { assertKnownFlags } from './known-flags';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** What one process measured under one rule. */
interface Measured {
  fit: string;
  /** `D2V_WEBGPU_MEMORY_LIMIT` of the run (`none`: no budget). */
  budget: string;
  /** Per update (best-fit pool only): buffers created on the device, free buffers destroyed for the budget, submits forced by it. */
  created: number[];
  evicted: number[];
  flushes: number[];
  /** Bytes allocated by the buffer manager after each update. */
  allocated: number[];
  peakUsed: number;
  peakRequested: number;
  losses: number[];
  msPerUpdate: number[];
}

/** `n` random `size`² RGB images (a fixed stream, so every rule sees the same pixels). */
function randomImages(n: number, size: number): { train: ImageDataset; test: ImageDataset } {
  const images = new Uint8Array(n * size * size * 3);
  let s = 12345;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    images[i] = s >>> 24;
  }
  const ds: ImageDataset = { name: 'random', images, labels: new Int32Array(n), n, height: size, width: size, channels: 3, classNames: ['x'] };
  return { train: ds, test: ds };
}

interface ManagerLike {
  acquireBuffer(...a: unknown[]): unknown;
  releaseBuffer(...a: unknown[]): void;
  numBytesUsed: number;
  numBytesAllocated: number;
  numBytesRequested?: number;
}

async function child(): Promise<Measured> {
  await initBackend('webgpu');
  const manager = (tf.backend() as unknown as { bufferManager: ManagerLike }).bufferManager;
  let peakUsed = 0;
  let peakRequested = 0;
  const acquire = manager.acquireBuffer.bind(manager);
  const release = manager.releaseBuffer.bind(manager);
  // --trace: every acquire (size, usage, reuse) and release (reuse) with a buffer id, for replaying the pool offline
  const traceFile = flag('--trace', '');
  const trace: (number | string)[][] = [];
  const ids = new Map<unknown, number>();
  if (traceFile) trace.push(['l', (tf.backend() as unknown as { device: { limits: { maxStorageBufferBindingSize: number } } }).device.limits.maxStorageBufferBindingSize]);
  manager.acquireBuffer = (...a: unknown[]) => {
    const b = acquire(...a);
    peakUsed = Math.max(peakUsed, manager.numBytesUsed);
    peakRequested = Math.max(peakRequested, manager.numBytesRequested ?? manager.numBytesUsed);
    if (traceFile) {
      ids.set(b, trace.length);
      trace.push(['a', a[0] as number, a[1] as number, a[3] === false ? 0 : 1]);
    }
    return b;
  };
  manager.releaseBuffer = (...a: unknown[]) => {
    if (traceFile) trace.push(['r', ids.get(a[0]) ?? -1, a[1] === false ? 0 : 1]);
    release(...a);
  };
  const modality = flag('--modality', 'image') as Modality;
  const algo = flag('--algo', 'v1') as Algo;
  const batch = Number(flag('--batch', '2'));
  const updates = Number(flag('--updates', '3'));
  const recipe = getRecipe(modality, algo) as Recipe<BaseRunConfig, RecipeData>;
  const set: Record<string, string> = {};
  let data: RecipeData | undefined;
  if (modality === 'image' && process.argv.includes('--size')) {
    const size = Number(flag('--size', '112'));
    Object.assign(set, { 'model.imageSize': `[${size},${size}]`, 'model.patchSize': '16', 'model.channels': '3' });
    if (algo === 'v1') set.masking = JSON.stringify(scaledBlockMaskParams(size / 16, size / 16));
    data = randomImages(batch, size) as unknown as RecipeData;
  }
  const config = recipe.config(flag('--preset', 'base'), { batchSize: batch, accumulation: 1, steps: updates, set });
  const setup = recipe.build(config, data ?? recipe.loadData(config));
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  const out: Measured = {
    fit: process.env.D2V_WEBGPU_BUFFER_FIT ?? 'default',
    budget: process.env.D2V_WEBGPU_MEMORY_LIMIT ?? 'none',
    created: [],
    evicted: [],
    flushes: [],
    allocated: [],
    peakUsed: 0,
    peakRequested: 0,
    losses: [],
    msPerUpdate: [],
  };
  const pool = installedBufferPool();
  let mark = { created: pool?.numBuffersCreated ?? 0, evicted: pool?.numBuffersEvicted ?? 0, flushes: pool?.numFlushes ?? 0 };
  for (let i = 0; i < updates; i++) {
    const t0 = Date.now();
    out.losses.push((await trainer.step()).loss);
    out.msPerUpdate.push(Date.now() - t0);
    out.allocated.push(manager.numBytesAllocated);
    if (pool) {
      out.created.push(pool.numBuffersCreated - mark.created);
      out.evicted.push(pool.numBuffersEvicted - mark.evicted);
      out.flushes.push(pool.numFlushes - mark.flushes);
      mark = { created: pool.numBuffersCreated, evicted: pool.numBuffersEvicted, flushes: pool.numFlushes };
    }
    if (traceFile) trace.push(['u']);
  }
  if (traceFile) fs.writeFileSync(traceFile, JSON.stringify(trace));
  out.peakUsed = peakUsed;
  out.peakRequested = peakRequested;
  if (process.env.D2V_WEBGPU_BUFFER_FIT !== 'exact' && !installedBufferPool()) throw new Error('the best-fit pool is not installed');
  return out;
}

const MB = (b: number) => (b / 1e6).toFixed(1);

function main(): void {
  assertKnownFlags('webgpu-buffer-pool', process.argv.slice(2), { '--modality': 'value', '--algo': 'value', '--preset': 'value', '--size': 'value', '--batch': 'value', '--updates': 'value', '--fits': 'value', '--budgets': 'value', '--trace': 'value', '--out': 'value' });
  const fits = flag('--fits', 'exact,2').split(',');
  const budgets = flag('--budgets', 'none').split(',');
  const args = process.argv.slice(2);
  const rows: Measured[] = [];
  for (const fit of fits) {
    for (const budget of fit === 'exact' ? ['none'] : budgets) {
      const env = { ...process.env, D2V_WEBGPU_BUFFER_FIT: fit, D2V_WEBGPU_MEMORY_LIMIT: budget };
      const r = spawnSync(process.execPath, [__filename, '--child', ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      const rule = `D2V_WEBGPU_BUFFER_FIT=${fit} D2V_WEBGPU_MEMORY_LIMIT=${budget}`;
      if (r.status !== 0 || !line.startsWith('{')) throw new Error(`the run with ${rule} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
      const m = JSON.parse(line) as Measured;
      rows.push(m);
      // eslint-disable-next-line no-console
      console.error(`${rule}: allocated ${MB(m.allocated[m.allocated.length - 1])} MB, peak used ${MB(m.peakUsed)} MB, created ${m.created.join('/')}, evicted ${m.evicted.join('/')}, ${m.msPerUpdate.join('/')} ms per update`);
    }
  }
  const what = `${flag('--modality', 'image')} ${flag('--algo', 'v1')} ${flag('--preset', 'base')}${process.argv.includes('--size') ? ` ${flag('--size', '')}²/16 random pixels` : ''}, batch ${flag('--batch', '2')}`;
  const lines = [
    what,
    `${'fit'.padEnd(7)} ${'budget'.padEnd(7)} ${'allocated after each update (MB)'.padEnd(34)} ${'peak used'.padStart(10)} ${'peak asked'.padStart(10)}  ${'created'.padEnd(14)} ${'evicted'.padEnd(14)} losses`,
    ...rows.map(
      (m) =>
        `${m.fit.padEnd(7)} ${m.budget.padEnd(7)} ${m.allocated.map(MB).join(' ').padEnd(34)} ${MB(m.peakUsed).padStart(10)} ${MB(m.peakRequested).padStart(10)}  ${m.created.join('/').padEnd(14)} ${m.evicted.join('/').padEnd(14)} ${m.losses.map((l) => l.toFixed(6)).join(' ')}`,
    ),
  ];
  // eslint-disable-next-line no-console
  console.log(lines.join('\n'));
  const file = flag('--out', '');
  if (file) fs.writeFileSync(file, JSON.stringify({ what, date: new Date().toISOString(), rows }, null, 2) + '\n');
}

if (process.argv.includes('--child')) {
  child()
    .then((m) => {
      // eslint-disable-next-line no-console
      console.log(JSON.stringify(m));
      process.exit(0);
    })
    .catch((e) => {
      // eslint-disable-next-line no-console
      console.error(`error: ${(e as Error).message}`);
      process.exit(1);
    });
} else {
  try {
    main();
  } catch (e) {
    // eslint-disable-next-line no-console
    console.error(`error: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
