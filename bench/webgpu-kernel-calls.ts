/**
 * Kernel calls per pretraining update on the `webgpu` backend with the fused WGSL
 * row kernels (`src/backend/webgpu-row-kernels.ts`) and with tfjs's composed ops
 * (`useRowKernels(false)`), counted under `tf.profile` (`src/run/kernel-profile.ts`).
 * On a GPU most of a small kernel's cost is host-side dispatch, so the count is
 * what the fused kernels save; times are not printed (on a software adapter they
 * mean nothing for a GPU). The kernels whose call counts change most are listed.
 *
 *     npm run build && node dist/bench/webgpu-kernel-calls.js [--modality image] [--algo v1] \
 *       [--preset tiny] [--batch 2] [--updates 1] [--set model.depth=1 ...] [--matmul packed|auto]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select';
import { useRowKernels } from '../src/backend/row-kernels';
import { getRecipe } from '../src/modalities/registry';
import { Algo, BaseRunConfig, Modality, Recipe, RecipeData } from '../src/modalities/recipe';
import { Trainer } from '../src/train/trainer';
import { assertKnownFlags } from './known-flags';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function sets(): Record<string, string> {
  const out: Record<string, string> = {};
  process.argv.forEach((a, i) => {
    if (a !== '--set') return;
    const [k, ...v] = process.argv[i + 1].split('=');
    out[k] = v.join('=');
  });
  return out;
}

/** Calls per update by kernel name, over `updates` profiled updates after one warm-up update. */
async function countCalls(fused: boolean, updates: number): Promise<Map<string, number>> {
  useRowKernels(fused);
  const recipe = getRecipe(flag('--modality', 'image') as Modality, flag('--algo', 'v1') as Algo) as Recipe<BaseRunConfig, RecipeData>;
  const config = recipe.config(flag('--preset', 'tiny'), { batchSize: Number(flag('--batch', '2')), accumulation: 1, steps: updates + 1, set: sets() });
  const setup = recipe.build(config, recipe.loadData(config));
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  const calls = new Map<string, number>();
  try {
    await trainer.step();
    for (let i = 0; i < updates; i++) {
      const info = await tf.profile(async () => {
        await trainer.step();
        return [];
      });
      for (const k of info.kernels) calls.set(k.name, (calls.get(k.name) ?? 0) + 1 / updates);
    }
  } finally {
    trainer.dispose();
    setup.objective.dispose();
  }
  return calls;
}

async function main(): Promise<void> {
  assertKnownFlags('webgpu-kernel-calls', process.argv.slice(2), { '--modality': 'value', '--algo': 'value', '--preset': 'value', '--batch': 'value', '--updates': 'value', '--set': 'value', '--matmul': 'value' });
  const info = await initBackend('webgpu', { webgpuMatMul: flag('--matmul', 'packed') });
  const updates = Number(flag('--updates', '1'));
  const composed = await countCalls(false, updates);
  const fused = await countCalls(true, updates);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const names = [...new Set([...composed.keys(), ...fused.keys()])];
  const change = names
    .map((n) => ({ n, composed: composed.get(n) ?? 0, fused: fused.get(n) ?? 0 }))
    .filter((r) => r.composed !== r.fused)
    .sort((a, b) => Math.abs(b.composed - b.fused) - Math.abs(a.composed - a.fused));
  const lines = [
    `${flag('--modality', 'image')} ${flag('--algo', 'v1')} ${flag('--preset', 'tiny')}, batch ${flag('--batch', '2')} ${JSON.stringify(sets())} on ${info.adapter?.name} (${info.webgpu?.matmul} matmul)`,
    `kernel calls per update: ${total(fused).toFixed(0)} fused, ${total(composed).toFixed(0)} composed (${(total(fused) / total(composed)).toFixed(2)}×)`,
    `${'kernel'.padEnd(22)} ${'composed'.padStart(9)} ${'fused'.padStart(7)}`,
    ...change.slice(0, 20).map((r) => `${r.n.padEnd(22)} ${r.composed.toFixed(0).padStart(9)} ${r.fused.toFixed(0).padStart(7)}`),
  ];
  // eslint-disable-next-line no-console
  console.log(lines.join('\n'));
}

main().catch((e) => {
  // eslint-disable-next-line no-console
  console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
});
