/**
 * Pretrained against random-init fine-tuning at equal fine-tuning budget (spec §6
 * "Fine-tuning recipes", §7: the papers judge data2vec by fine-tuning): for one
 * modality and algorithm, a default tiny `pretrain` (or an existing run with
 * `--run`), then `finetune` of its encoder and of the same architecture at random
 * init with identical settings and seed. Prints one JSON object per line and a
 * table row for the README.
 *
 *     npm run build && node dist/bench/finetune-compare.js --modality image --algo v1 [--run DIR] [--steps N] [--seed S]
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import { initBackend } from '../src/backend/select';
import { pretrain } from '../src/run/pretrain';
import { finetune, FinetuneSummary } from '../src/finetune/finetune';
import { FinetuneSettings } from '../src/finetune/settings';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  await initBackend();
  const modality = flag('--modality') ?? 'image';
  const algo = flag('--algo') ?? 'v1';
  const steps = flag('--steps');
  const seed = flag('--seed');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `d2v-ft-compare-${modality}-${algo}-`));
  let run = flag('--run');
  if (run === undefined) {
    const p = await pretrain({ modality, algo, preset: 'tiny', out: path.join(work, 'pretrain'), report: false });
    process.stderr.write(`pretrained ${p.steps} updates in ${p.seconds.toFixed(0)} s\n`);
    run = p.run_dir;
  }
  const settings: Partial<FinetuneSettings> = steps ? { updates: Number(steps) } : {};
  const results: Record<string, FinetuneSummary> = {};
  for (const source of ['pretrained', 'random-init'] as const) {
    const s = await finetune({
      ...(source === 'pretrained' ? { run } : { randomInit: true, modality, algo, preset: 'tiny' }),
      seed: seed === undefined ? undefined : Number(seed),
      settings,
      out: path.join(work, `finetune-${source}`),
      onEvaluate: (u, a) => process.stderr.write(`${source} update ${u}: ${(100 * a).toFixed(2)} %\n`),
    });
    results[source] = s;
    process.stdout.write(JSON.stringify({ source, test_accuracy: s.test_accuracy, best_test_accuracy: s.best_test_accuracy, updates: s.updates, epochs: s.epochs, seconds: s.seconds, run_dir: s.run_dir }) + '\n');
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const p = results.pretrained;
  const r = results['random-init'];
  process.stdout.write(`| ${modality} ${algo} | ${p.updates} × ${p.config.settings.batchSize} (${p.epochs.toFixed(1)} epochs) | ${pct(p.test_accuracy)} | ${pct(r.test_accuracy)} | ${((100 * (p.test_accuracy - r.test_accuracy))).toFixed(1)} |\n`);
}

main().catch((e) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
