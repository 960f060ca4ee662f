/**
 * Replays the buffer requests of recorded pretraining updates (spec §6) through the
 * `webgpu` backend's best-fit pool (`src/backend/webgpu-buffer-pool.ts`) under
 * device-memory budgets and eviction orders, on a recording device, in milliseconds.
 * The trace comes from `bench/webgpu-buffer-pool.ts --trace FILE`: every `acquireBuffer`
 * (size, usage, reuse) and `releaseBuffer` of the run, in order. tfjs asks for the same
 * sizes whichever buffer the pool hands out, so the replay gives the bookkeeping of a
 * run under another budget, except for the submits a budget forces (a replay has no
 * command queue: where a real run would submit to get back buffers waiting for it, the
 * replay reports the budget as exceeded). Without a budget the replay must give the
 * recorded run's bytes after each update, which is checked.
 *
 *     npm run build && node dist/bench/webgpu-pool-replay.js --trace FILE \
 *       [--budgets 2.3GB,2.5GB] [--eviction oldest,fewest] [--fit 2] [--out file.json]
 */
import * as fs from 'fs';
import { BestFitBufferPool, EvictionOrder, PooledBuffer } from '../src/backend/webgpu-buffer-pool';
import { parseMemoryLimit } from '../src/backend/webgpu-memory-limit';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** `['l', maxStorageBufferBindingSize]`, `['a', size, usage, reuse]`, `['r', acquire index, reuse]`, `['u']` after each update. */
type Event = (string | number)[];

/** What one replay gave, per update. */
export interface Replayed {
  budget: number | null;
  eviction: EvictionOrder;
  /** Bytes held after each update. */
  allocated: number[];
  /** Largest bytes held at any point of each update. */
  peakAllocated: number[];
  created: number[];
  evicted: number[];
  /** The first error (a budget exceeded), if any, with its update. */
  failure?: string;
}

class Recorded implements PooledBuffer {
  constructor(
    readonly size: number,
    readonly usage: number,
  ) {}
  destroy(): void {}
}

/** Run `trace` through a pool with this budget and eviction order. */
export function replay(trace: Event[], fit: number, budget: number | null, eviction: EvictionOrder): Replayed {
  const limit = trace.find((e) => e[0] === 'l')?.[1] as number | undefined;
  const device = { limits: { maxStorageBufferBindingSize: limit ?? 2 ** 27 }, createBuffer: (d: { size: number; usage: number }) => new Recorded(d.size, d.usage) };
  const pool = new BestFitBufferPool(device, fit, { memoryLimit: budget, eviction });
  const out: Replayed = { budget, eviction, allocated: [], peakAllocated: [], created: [], evicted: [] };
  const buffers: PooledBuffer[] = [];
  let peak = 0;
  let mark = { created: 0, evicted: 0 };
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i];
    try {
      if (e[0] === 'a') {
        buffers[i] = pool.acquireBuffer(e[1] as number, e[2] as number, false, e[3] === 1);
        peak = Math.max(peak, pool.numBytesAllocated);
      } else if (e[0] === 'r' && (e[1] as number) >= 0) {
        pool.releaseBuffer(buffers[e[1] as number], e[2] === 1);
      }
    } catch (err) {
      out.failure = `update ${out.allocated.length + 1}: ${(err as Error).message}`;
      break;
    }
    if (e[0] === 'u') {
      out.allocated.push(pool.numBytesAllocated);
      out.peakAllocated.push(peak);
      out.created.push(pool.numBuffersCreated - mark.created);
      out.evicted.push(pool.numBuffersEvicted - mark.evicted);
      mark = { created: pool.numBuffersCreated, evicted: pool.numBuffersEvicted };
      peak = pool.numBytesAllocated;
    }
  }
  return out;
}

const MB = (b: number) => (b / 1e6).toFixed(1);

function main(): void {
  const file = flag('--trace', '');
  if (!file) throw new Error('--trace FILE is needed (written by bench/webgpu-buffer-pool.ts --trace)');
  const trace = JSON.parse(fs.readFileSync(file, 'utf8')) as Event[];
  const fit = Number(flag('--fit', '2'));
  const budgets = [null, ...flag('--budgets', '2.3GB').split(',').map((b) => parseMemoryLimit(b, '--budgets'))];
  const orders = flag('--eviction', 'oldest,fewest').split(',') as EvictionOrder[];
  const rows: Replayed[] = [];
  for (const budget of budgets) for (const order of budget === null ? orders.slice(0, 1) : orders) rows.push(replay(trace, fit, budget, order));
  const lines = [
    `${'budget'.padEnd(9)} ${'order'.padEnd(7)} ${'held after each update (MB)'.padEnd(30)} ${'peak held (MB)'.padEnd(24)} ${'created'.padEnd(16)} evicted`,
    ...rows.map(
      (r) =>
        `${(r.budget === null ? 'none' : MB(r.budget)).padEnd(9)} ${r.eviction.padEnd(7)} ${r.allocated.map(MB).join(' ').padEnd(30)} ${r.peakAllocated.map(MB).join(' ').padEnd(24)} ${r.created.join('/').padEnd(16)} ${r.evicted.join('/')}${r.failure ? `  FAILED ${r.failure}` : ''}`,
    ),
  ];
  // eslint-disable-next-line no-console
  console.log(lines.join('\n'));
  const outFile = flag('--out', '');
  if (outFile) fs.writeFileSync(outFile, JSON.stringify({ trace: file, fit, date: new Date().toISOString(), rows }, null, 2) + '\n');
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    // eslint-disable-next-line no-console
    console.error(`error: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
