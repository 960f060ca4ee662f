/**
 * Text pretraining settings against the sense-in-context probe (README "What
 * pretraining adds"). For each setting: `data2vec pretrain` (text, the given algo,
 * preset tiny, seed and extra flags), then `data2vec probe --task sense --layers all`
 * on the run; the probe's validation accuracy is the number settings are chosen by,
 * test is recorded beside it. `--random-init` rows probe the untrained encoder.
 * Each finished row is appended to the results file at once, so a stopped sweep keeps
 * what it measured.
 *
 *     node dist/bench/text-sense-sweep.js --out bench/results/text-sense-sweep-DATE.json \
 *       --setting 'v1-centered:v1:0:--set data2vec.targets.subtractPositionMean=true' [--setting …]
 *
 * A setting is `NAME:ALGO:SEED:FLAGS` (FLAGS: pretrain flags separated by spaces, or
 * `random-init` for the untrained encoder).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Setting {
  name: string;
  algo: string;
  seed: number;
  flags: string[];
  randomInit: boolean;
}

function parseSetting(s: string): Setting {
  const [name, algo, seed, ...rest] = s.split(':');
  const flagText = rest.join(':').trim();
  if (!name || !(algo === 'v1' || algo === 'v2') || !Number.isInteger(Number(seed))) {
    throw new Error(`--setting "${s}" must be NAME:ALGO:SEED:FLAGS with ALGO v1 or v2 and an integer SEED.`);
  }
  const randomInit = flagText === 'random-init';
  return { name, algo, seed: Number(seed), flags: randomInit || !flagText ? [] : flagText.split(/\s+/), randomInit };
}

const CLI = path.join(__dirname, '..', 'src', 'cli', 'main.js');

/** Runs the CLI and returns its last stdout line parsed as JSON (the commands' `--json` summary). */
function cliJson(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = (r.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (r.status !== 0 || !last.startsWith('{')) {
    throw new Error(`data2vec ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`);
  }
  return JSON.parse(last) as Record<string, unknown>;
}

function main(): void {
  const args = process.argv.slice(2);
  const out = args[args.indexOf('--out') + 1];
  if (args.indexOf('--out') < 0 || !out) throw new Error('--out FILE is required (the results JSON, appended to).');
  const settings = args.flatMap((a, i) => (a === '--setting' ? [parseSetting(args[i + 1])] : []));
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'text-sense-sweep-'));
  const file = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : { rows: [] as unknown[] };
  for (const s of settings) {
    const started = Date.now();
    const common = ['--modality', 'text', '--algo', s.algo, '--preset', 'tiny', '--seed', String(s.seed)];
    let pretrain: Record<string, unknown> | undefined;
    let probeArgs: string[];
    if (s.randomInit) {
      probeArgs = ['probe', ...common, '--random-init'];
    } else {
      const runDir = path.join(runsDir, `${s.name}-${s.algo}-s${s.seed}`);
      pretrain = cliJson(['pretrain', ...common, ...s.flags, '--out', runDir, '--no-progress', '--json']);
      probeArgs = ['probe', '--run', runDir];
    }
    const probe = cliJson([...probeArgs, '--task', 'sense', '--layers', 'all', '--json']);
    const layers = (probe.layers as { layer: number | string; accuracy: number; validation_accuracy: number }[]) ?? [];
    const row = {
      name: s.name, algo: s.algo, seed: s.seed, flags: s.randomInit ? ['random-init'] : s.flags,
      validation_accuracy: probe.validation_accuracy, test_accuracy: probe.accuracy, knn_accuracy: probe.knn_accuracy,
      train_accuracy: probe.train_accuracy, weight_decay: probe.weight_decay,
      per_layer: layers.map((l) => ({ layer: l.layer, validation: l.validation_accuracy, test: l.accuracy })),
      pretrain: pretrain && {
        updates: pretrain.steps, loss_first: pretrain.loss_first, loss_last: pretrain.loss_last, target_var_last: pretrain.target_var_last, pred_var_last: pretrain.pred_var_last,
        seconds: pretrain.seconds, warnings: pretrain.warnings,
      },
      wall_seconds: (Date.now() - started) / 1000,
      load_average: os.loadavg().map((x) => Math.round(x * 10) / 10),
      date: new Date().toISOString(),
    };
    file.rows.push(row);
    fs.writeFileSync(out, JSON.stringify(file, null, 1) + '\n');
    console.log(`${s.name} ${s.algo} seed ${s.seed}: validation ${(100 * (row.validation_accuracy as number)).toFixed(1)} %, test ${(100 * (row.test_accuracy as number)).toFixed(1)} % (${row.wall_seconds.toFixed(0)} s)`);
  }
}

main();
