/**
 * Pretrained against random-init fine-tuning at equal fine-tuning budget (spec §6
 * "Fine-tuning recipes", §7: the papers judge data2vec by fine-tuning), for every
 * modality × algorithm asked: a default tiny `pretrain` (or an existing run given
 * with `--run modality:algo=DIR`, reused as is), then `finetune` of its encoder and
 * of the same architecture at random init with the modality's default settings and
 * the same seed, for each seed. Each finished pair is added at once to
 * bench/results/finetune-compare-<date>.json (rows of earlier invocations on the
 * same date are kept unless the same modality, algorithm and seed ran again), and
 * the whole table is rewritten to the .md next to it, with the date, machine and
 * command of every row.
 *
 *     npm run build && node dist/bench/finetune-compare.js --only audio:v2,image:v1 \
 *       [--run audio:v2=/tmp/pre-audio-v2] [--seeds 0,1] [--steps N] [--max-test N] [--results DIR]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../src/backend/select';
import { pretrain } from '../src/run/pretrain';
import { finetune, FinetuneSummary } from '../src/finetune/finetune';
import { describeSettings, FinetuneSettings } from '../src/finetune/settings';
import { MachineInfo, machineInfo } from './machine-info';

const ALL = ['image:v1', 'image:v2', 'audio:v1', 'audio:v2', 'text:v1', 'text:v2'];

/** One row of the table: a modality, algorithm and seed, both encoders fine-tuned alike. */
interface CompareRow {
  modality: string;
  algo: string;
  seed: number;
  pretrained_run: string;
  /** Updates of the pretraining run. */
  pretrain_updates: number;
  budget: { updates: number; batch_size: number; epochs: number; settings: string };
  pretrained: { test_accuracy: number; best_test_accuracy: number; seconds: number };
  random_init: { test_accuracy: number; best_test_accuracy: number; seconds: number };
  /** Points: pretrained − random init (last evaluation). */
  difference: number;
  n_test: number;
  date: string;
  machine: MachineInfo;
  command: string;
}

/** The flags this script reads; each takes one value. */
const FLAGS = ['--only', '--seeds', '--steps', '--max-test', '--run', '--results'];

/**
 * One sentence for the first argument that is not a known flag or a known flag's value
 * (e.g. `--help`), or undefined when all are known: an unread flag would otherwise start
 * the whole default comparison and rewrite the results files.
 */
export function unknownArgument(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i += 2) {
    if (!FLAGS.includes(args[i])) return `finetune-compare does not know ${JSON.stringify(args[i])}; it takes ${FLAGS.map((f) => `${f} VALUE`).join(', ')} (see the header of bench/finetune-compare.ts).`;
    if (args[i + 1] === undefined) return `${args[i]} needs a value.`;
  }
  return undefined;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `--run image:v1=DIR,audio:v2=DIR` (the flag may repeat). */
function givenRuns(): Map<string, string> {
  const runs = new Map<string, string>();
  process.argv.forEach((a, i) => {
    if (a !== '--run') return;
    for (const item of (process.argv[i + 1] ?? '').split(',')) {
      const m = /^(\w+:v[12])=(.+)$/.exec(item);
      if (!m) throw new Error(`--run takes modality:algo=DIR (e.g. audio:v2=/tmp/pre), got ${JSON.stringify(item)}.`);
      runs.set(m[1], m[2]);
    }
  });
  return runs;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The Markdown table of `rows` (sorted by modality, algorithm, seed). */
export function markdownTable(rows: CompareRow[]): string {
  const lines = [
    '| modality | algo | seed | pretraining | fine-tuning budget | held-out samples | pretrained | random init | difference (points) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const p = r.pretrained.test_accuracy;
    const q = r.random_init.test_accuracy;
    const [bp, bq] = p >= q ? [`**${pct(p)}**`, pct(q)] : [pct(p), `**${pct(q)}**`];
    lines.push(`| ${r.modality} | ${r.algo} | ${r.seed} | ${r.pretrain_updates} updates | ${r.budget.updates} × ${r.budget.batch_size} (${r.budget.epochs.toFixed(1)} epochs) | ${r.n_test} | ${bp} | ${bq} | ${r.difference >= 0 ? '+' : ''}${r.difference.toFixed(1)} |`);
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const bad = unknownArgument(process.argv.slice(2));
  if (bad) throw new Error(bad);
  await initBackend();
  const only = (flag('--only') ?? ALL.join(',')).split(',');
  for (const c of only) if (!ALL.includes(c)) throw new Error(`--only takes a list of ${ALL.join(', ')}; got ${JSON.stringify(c)}.`);
  const seeds = (flag('--seeds') ?? '0').split(',').map(Number);
  const steps = flag('--steps');
  const maxTest = flag('--max-test');
  const runs = givenRuns();
  const settings: Partial<FinetuneSettings> = { ...(steps ? { updates: Number(steps) } : {}), ...(maxTest ? { maxTest: Number(maxTest) } : {}) };
  const command = `node dist/bench/finetune-compare.js ${process.argv.slice(2).join(' ')}`;
  const dir = path.resolve(flag('--results') ?? path.join(__dirname, '../../bench/results'));
  const date = new Date().toISOString();
  const file = path.join(dir, `finetune-compare-${date.slice(0, 10)}.json`);
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-ft-compare-'));

  for (const combo of only) {
    const [modality, algo] = combo.split(':');
    let run = runs.get(combo);
    if (run === undefined) {
      const p = await pretrain({ modality, algo, preset: 'tiny', out: path.join(work, `pretrain-${modality}-${algo}`), report: false });
      process.stderr.write(`${combo}: pretrained ${p.steps} updates in ${p.seconds.toFixed(0)} s\n`);
      run = p.run_dir;
    }
    const pretrainConfig = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as { trainer?: { updates?: number } };
    for (const seed of seeds) {
      const results: Partial<Record<'pretrained' | 'random-init', FinetuneSummary>> = {};
      for (const source of ['pretrained', 'random-init'] as const) {
        results[source] = await finetune({
          ...(source === 'pretrained' ? { run } : { randomInit: true, modality, algo, preset: 'tiny' }),
          seed, settings, report: false,
          out: path.join(work, `finetune-${modality}-${algo}-${seed}-${source}`),
          onEvaluate: (u, a) => process.stderr.write(`${combo} seed ${seed} ${source} update ${u}: ${pct(a)}\n`),
        });
      }
      const p = results.pretrained!;
      const r = results['random-init']!;
      const row: CompareRow = {
        modality, algo, seed, pretrained_run: run, pretrain_updates: pretrainConfig.trainer?.updates ?? NaN,
        budget: { updates: p.updates, batch_size: p.config.settings.batchSize, epochs: p.epochs, settings: describeSettings(p.config.settings) },
        pretrained: { test_accuracy: p.test_accuracy, best_test_accuracy: p.best_test_accuracy, seconds: p.seconds },
        random_init: { test_accuracy: r.test_accuracy, best_test_accuracy: r.best_test_accuracy, seconds: r.seconds },
        difference: 100 * (p.test_accuracy - r.test_accuracy),
        n_test: p.n_test, date, machine: machineInfo(), command,
      };
      process.stdout.write(JSON.stringify(row) + '\n');
      const kept: CompareRow[] = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { rows: CompareRow[] }).rows : [];
      const rows = [...kept.filter((k) => !(k.modality === modality && k.algo === algo && k.seed === seed)), row]
        .sort((a, b) => ALL.indexOf(`${a.modality}:${a.algo}`) - ALL.indexOf(`${b.modality}:${b.algo}`) || a.seed - b.seed);
      fs.writeFileSync(file, JSON.stringify({ rows }, null, 2) + '\n');
      const notes = rows.map((k) => `- ${k.modality} ${k.algo} seed ${k.seed}: ${k.date.slice(0, 16)} UTC, ${k.machine.cores} cores (${k.machine.cpu}), load ${k.machine.loadavg.map((x) => x.toFixed(1)).join(' / ')}; settings: ${k.budget.settings}; \`${k.command}\``);
      fs.writeFileSync(file.replace(/\.json$/, '.md'), `# Fine-tuning: pretrained vs random init (tiny presets, bundled data)\n\n${markdownTable(rows)}\n${notes.join('\n')}\n`);
    }
  }
  process.stdout.write(fs.readFileSync(file.replace(/\.json$/, '.md'), 'utf8'));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
