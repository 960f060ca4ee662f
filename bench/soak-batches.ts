/**
 * The soak's data half alone (spec §6, long runs in bounded memory): draws a recipe's
 * pretraining batches (tiny preset, bundled data unless `--data`) without training on
 * them, disposing each batch's tensors, and prints a memory sample (`memorySample`:
 * resident set and where it lies) after two full garbage collections every `--every`
 * draws. A resident set that grows here and not in a soak's update half points at the
 * data pipeline (caches, Buffers, decoders, tokenizers); flat here points at the update.
 *
 *     node --expose-gc dist/bench/soak-batches.js --run audio-v1 [--draws 3000] [--every 500] [--data DIR]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select';
import { getRecipe } from '../src/modalities/registry';
import { memorySample } from '../src/run/soak';
import { assertKnownFlags } from './known-flags';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Dispose every tensor in a batch (tensors nested one level deep, as mask infos hold them). */
function disposeBatch(batch: unknown): void {
  for (const v of Object.values(batch as Record<string, unknown>)) {
    if (v instanceof tf.Tensor) v.dispose();
    else if (v && typeof v === 'object') for (const w of Object.values(v)) if (w instanceof tf.Tensor) w.dispose();
  }
}

async function main(): Promise<void> {
  assertKnownFlags('soak-batches', process.argv.slice(2), { '--run': 'value', '--draws': 'value', '--every': 'value', '--data': 'value' });
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc, so that samples follow a full garbage collection.');
  const [modality, algo] = flag('--run', 'audio-v1').split('-');
  const draws = Number(flag('--draws', '3000'));
  const every = Number(flag('--every', '500'));
  const data = process.argv.includes('--data') ? flag('--data', '') : undefined;
  await initBackend();
  const recipe = getRecipe(modality, algo);
  const config = recipe.config('tiny', { steps: draws, data });
  const setup = recipe.build(config, await recipe.loadData(config));
  const show = (n: number) => {
    gc();
    gc();
    const s = memorySample(n);
    // eslint-disable-next-line no-console
    console.log(JSON.stringify({ draws: n, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'update').map(([k, v]) => [k, typeof v === 'number' ? Number(v.toFixed(1)) : v])) }));
  };
  show(0);
  for (let u = 0; u < draws; u++) {
    await setup.batches.prepare?.(u);
    disposeBatch(setup.batches(u, 0));
    if ((u + 1) % every === 0) show(u + 1);
  }
  setup.objective.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
