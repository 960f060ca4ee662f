/**
 * Where the CPU time of one data2vec 1.0 image pretraining update goes on the
 * wasm backend (spec Appendix A, image v1): every wasm kernel is wrapped to
 * add up the process CPU time of its calls over a few updates, and the shares
 * of the update's CPU time are printed, largest first, with what is spent
 * outside kernels (tape, optimizer bookkeeping, JS). It shows which kernels
 * beyond the matrix product would pay for threading.
 *
 *     npm run build && node dist/bench/kernel-share.js [--threads 1] [--preset tiny|small] [--batch 64] [--updates 3]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select';
import { getRecipe } from '../src/modalities/registry';
import { Trainer } from '../src/train/trainer';
import { assertKnownFlags } from './known-flags';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  assertKnownFlags('kernel-share', process.argv.slice(2), { '--threads': 'value', '--preset': 'value', '--batch': 'value', '--updates': 'value' });
  const threads = Number(flag('--threads', '1'));
  const preset = flag('--preset', 'tiny');
  const batch = Number(flag('--batch', preset === 'tiny' ? '64' : '16'));
  const updates = Number(flag('--updates', '3'));
  await initBackend('wasm', { threads });
  tf.enableProdMode();

  const spent = new Map<string, { ms: number; calls: number }>();
  let counting = false;
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    const inner = kernel.kernelFunc;
    tf.unregisterKernel(kernel.kernelName, 'wasm');
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        if (!counting) return inner(args);
        const t0 = cpuMs();
        try {
          return inner(args);
        } finally {
          const s = spent.get(kernel.kernelName) ?? { ms: 0, calls: 0 };
          s.ms += cpuMs() - t0;
          s.calls++;
          spent.set(kernel.kernelName, s);
        }
      },
    });
  }

  const recipe = getRecipe('image', 'v1');
  const config = recipe.config(preset, { batchSize: batch, accumulation: 1, steps: 1000 });
  const setup = recipe.build(config, recipe.loadData(config));
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  await trainer.step(); // warm-up
  counting = true;
  const c0 = cpuMs();
  const w0 = performance.now();
  for (let i = 0; i < updates; i++) await trainer.step();
  const total = cpuMs() - c0;
  const wall = performance.now() - w0;
  counting = false;
  trainer.dispose();
  setup.objective.dispose();

  const rows = [...spent.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const inKernels = rows.reduce((s, [, v]) => s + v.ms, 0);
  const lines = [
    `image v1 ${preset}, batch ${batch}, ${threads} thread(s): ${(total / updates).toFixed(0)} ms CPU, ${(wall / updates).toFixed(0)} ms wall per update`,
    `${'kernel'.padEnd(24)} ${'share'.padStart(6)} ${'ms/update'.padStart(10)} ${'calls/update'.padStart(13)}`,
    ...rows.slice(0, 15).map(([name, v]) =>
      `${name.padEnd(24)} ${((100 * v.ms) / total).toFixed(1).padStart(5)}% ${(v.ms / updates).toFixed(1).padStart(10)} ${(v.calls / updates).toFixed(0).padStart(13)}`),
    `${'(other kernels)'.padEnd(24)} ${((100 * rows.slice(15).reduce((s, [, v]) => s + v.ms, 0)) / total).toFixed(1).padStart(5)}%`,
    `${'(outside kernels)'.padEnd(24)} ${((100 * (total - inKernels)) / total).toFixed(1).padStart(5)}%`,
  ];
  // eslint-disable-next-line no-console
  console.log(lines.join('\n'));
}

main().catch((err: unknown) => {
  // eslint-disable-next-line no-console
  console.error(err);
  process.exit(1);
});
