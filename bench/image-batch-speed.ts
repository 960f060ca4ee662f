/**
 * Host time of building one augmented image batch (spec §2.4: random resized crop,
 * horizontal flip, per-channel normalisation; src/modalities/image/augment.ts and
 * image-batch.ts) at 224×224×3, as a data2vec 1.0 update on a GPU host builds it:
 * the whole `imageBatch` and each of `cropResize`, `hflip` and `normalizePixels` alone.
 * With `--base DIR` (another built checkout with its node_modules) the processes
 * alternate between that checkout and this one, so both see the same machine load, and
 * a checksum of every batch's float32 bits shows whether the outputs are the same.
 * Writes bench/results/image-batch-speed-<date>.json.
 *
 *     npm run build && node dist/bench/image-batch-speed.js [--base /path/to/other/checkout] [--rounds 3] [--batch 32]
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { median } from '../src/util/median';
import { machineInfo } from './machine-info';

interface Timing {
  batch_ms: number;
  crop_ms: number;
  flip_ms: number;
  normalize_ms: number;
  checksum: string;
}

/** Node source that times `batch`-image batches with the checkout at `root`. */
function timingScript(root: string, batch: number): string {
  const at = (p: string) => JSON.stringify(path.join(root, p));
  return `
const { initBackend } = require(${at('dist/src/backend/select')});
const { imageBatch, normalizePixels } = require(${at('dist/src/modalities/image/image-batch')});
const { cropResize, hflip, randomResizedCropBox } = require(${at('dist/src/modalities/image/augment')});
const { Rng } = require(${at('dist/src/util/rng')});
(async () => {
  await initBackend('cpu');
  const h = 224, w = 224, c = 3, n = ${batch};
  const images = new Uint8Array(n * h * w * c);
  let s = 12345;
  for (let i = 0; i < images.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; images[i] = s >>> 24; }
  const ds = { name: 'synthetic', images, labels: new Int32Array(n), n, height: h, width: w, channels: c, classNames: ['x'] };
  const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const augment = { hflip: 0.5, cropScale: [0.08, 1], cropRatio: [3 / 4, 4 / 3] };
  const indices = Array.from({ length: n }, (_, i) => i);
  const best = (f) => { let b = Infinity; for (let r = 0; r < 5; r++) { const t0 = performance.now(); f(); b = Math.min(b, performance.now() - t0); } return b; };
  let last;
  const batch_ms = best(() => {
    if (last) last.dispose();
    last = imageBatch(ds, indices, norm, augment, new Rng(1)); // the same batch every time
  });
  let hash = 2166136261;
  for (const v of new Uint32Array((await last.data()).buffer)) hash = Math.imul(hash ^ v, 16777619) >>> 0;
  last.dispose();
  const size = h * w * c;
  const boxRng = new Rng(2);
  const boxes = indices.map(() => randomResizedCropBox(h, w, [0.08, 1], [3 / 4, 4 / 3], boxRng));
  const crop_ms = best(() => { for (const i of indices) cropResize(images.subarray(i * size, (i + 1) * size), h, w, c, boxes[i]); });
  const floats = Float32Array.from(images.subarray(0, size));
  const flip_ms = best(() => { for (const i of indices) hflip(floats, h, w, c); });
  const out = new Float32Array(n * size);
  const normalize_ms = best(() => { for (const i of indices) normalizePixels(floats, c, norm, out, i * size); });
  process.stdout.write(JSON.stringify({ batch_ms, crop_ms, flip_ms, normalize_ms, checksum: hash.toString(16) }) + '\\n');
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;
}

function timeIn(root: string, batch: number): Timing {
  const r = spawnSync(process.execPath, ['-e', timingScript(root, batch)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`the image batch timing in ${root} failed: ${r.stderr.slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

function main(): void {
  const args = process.argv.slice(2);
  const known = new Set(['--base', '--rounds', '--batch']);
  for (let i = 0; i < args.length; i += 2) {
    if (!known.has(args[i]) || args[i + 1] === undefined) throw new Error(`image-batch-speed: unknown flag or missing value at '${args[i]}'; flags: --base DIR, --rounds N, --batch N.`);
  }
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const base = flag('--base');
  const rounds = Number(flag('--rounds') ?? 3);
  const batch = Number(flag('--batch') ?? 32);
  const root = path.resolve(__dirname, '..', '..');
  const sides = base ? [path.resolve(base), root] : [root];
  const rows = sides.map((checkout) => ({ checkout, runs: [] as Timing[] }));
  for (let r = 0; r < rounds; r++) for (const row of rows) row.runs.push(timeIn(row.checkout, batch));
  const summary = rows.map((row) => {
    const m = (k: keyof Omit<Timing, 'checksum'>) => median(row.runs.map((t) => t[k]));
    const s = { checkout: row.checkout, batch_ms: m('batch_ms'), crop_ms: m('crop_ms'), flip_ms: m('flip_ms'), normalize_ms: m('normalize_ms'), checksums: [...new Set(row.runs.map((t) => t.checksum))] };
    console.log(`${row.checkout === root ? 'this checkout' : row.checkout}: ${batch} images 224×224×3, ms per batch (median of ${rounds} processes, best of 5 each): imageBatch ${s.batch_ms.toFixed(1)}, cropResize ${s.crop_ms.toFixed(1)}, hflip ${s.flip_ms.toFixed(1)}, normalizePixels ${s.normalize_ms.toFixed(1)}; batch checksum ${s.checksums.join(',')}`);
    return s;
  });
  const out = path.join(root, 'bench', 'results', `image-batch-speed-${new Date().toISOString().slice(0, 10)}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ command: `node dist/bench/image-batch-speed.js ${args.join(' ')}`.trim(), machine: machineInfo(), batch, image: '224x224x3', rows: summary }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main();
