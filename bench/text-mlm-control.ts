/**
 * The masked-language-model control for text (README "What pretraining adds"): can this
 * tiny encoder and corpus show context learning at the tiny budget at all? A masked
 * language model (`MaskedLanguageModel`: RoBERTa's objective, cross-entropy of the
 * original ids at the masked positions) is trained with everything else of
 * `pretrain --modality text --algo v1 --preset tiny`: the same encoder and init, the same
 * WordNet glosses, the same BERT masking draw (15 %, 80/10/10), batch, AdamW, schedule
 * and number of updates (the recipe's own batch source, optimizer settings and
 * `Trainer`). Its encoder is then probed as `data2vec probe` does: sense in context
 * (`--task sense --layers all`, and the mean of the top K blocks, `--layers top`) and the
 * gloss supersense (final output and top-K mean). The same probes can be run on the
 * random-init encoder and on data2vec run folders, so every row of the table comes
 * from one protocol. Each finished row is appended to the results file at once.
 *
 *     node dist/bench/text-mlm-control.js --out bench/results/text-mlm-control-DATE.json \
 *       --mlm 0:240 [--mlm SEED:UPDATES …] [--random-init SEED …] [--run DIR …] \
 *       [--loss-positions selected|maskReplaced] [--lr X] [--probes sense,sense-top,gloss,gloss-top]
 *
 * `--loss-positions`: `selected` (default; RoBERTa's loss, every position the masking
 * selected) or `maskReplaced` (data2vec 1.0 text's loss positions, trap 15).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select';
import { getRecipe } from '../src/modalities/registry';
import { readRunConfig } from '../src/run/pretrain';
import { loadCheckpoint } from '../src/train/checkpoint';
import { ProbeEncoderOptions, ProbeSummary, probeEncoder } from '../src/run/probe';
import { BaseRunConfig, RunOverrides } from '../src/modalities/recipe';
import { Module } from '../src/nn/module';
import { Trainer } from '../src/train/trainer';
import { MaskedLanguageModel } from '../src/modalities/text/masked-lm';
import { TextV1Config } from '../src/modalities/text/presets-v1';
import { machineInfo } from './machine-info';

const PROBES: Record<string, ProbeEncoderOptions> = {
  sense: { task: 'sense', layers: 'all' },
  'sense-top': { task: 'sense', layers: 'top' },
  gloss: { task: 'labels' },
  'gloss-top': { task: 'labels', layers: 'top' },
};

interface Entry {
  kind: 'mlm' | 'random-init' | 'run';
  seed?: number;
  updates?: number;
  run?: string;
}

function usage(message: string): never {
  throw new Error(`${message} Usage: --out FILE [--mlm SEED:UPDATES] [--random-init SEED] [--run DIR] [--loss-positions selected|maskReplaced] [--lr X] [--probes ${Object.keys(PROBES).join(',')}].`);
}

function parseArgs(argv: string[]) {
  const entries: Entry[] = [];
  let out: string | undefined;
  let lossPositions: 'selected' | 'maskReplaced' = 'selected';
  let lr: number | undefined;
  let probes = Object.keys(PROBES);
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) usage(`${flag} needs a value.`);
    if (flag === '--out') out = value;
    else if (flag === '--mlm') {
      const [seed, updates] = value.split(':').map(Number);
      if (!Number.isInteger(seed) || !Number.isInteger(updates) || updates < 1) usage(`--mlm "${value}" must be SEED:UPDATES (integers).`);
      entries.push({ kind: 'mlm', seed, updates });
    } else if (flag === '--random-init') {
      if (!Number.isInteger(Number(value))) usage(`--random-init "${value}" must be an integer seed.`);
      entries.push({ kind: 'random-init', seed: Number(value) });
    } else if (flag === '--run') entries.push({ kind: 'run', run: value });
    else if (flag === '--loss-positions') {
      if (value !== 'selected' && value !== 'maskReplaced') usage(`--loss-positions must be selected or maskReplaced, got "${value}".`);
      lossPositions = value;
    } else if (flag === '--lr') {
      lr = Number(value);
      if (!(lr > 0)) usage(`--lr must be a positive number, got "${value}".`);
    } else if (flag === '--probes') {
      probes = value.split(',');
      const unknown = probes.filter((p) => !(p in PROBES));
      if (unknown.length) usage(`--probes: unknown probe ${unknown.join(', ')}.`);
    } else usage(`unknown flag ${flag}.`);
  }
  if (!out) usage('--out FILE is required (the results JSON, appended to).');
  if (entries.length === 0) usage('nothing to measure.');
  return { out: out!, entries, lossPositions, lr, probes };
}

/** The schedule's peak learning rate. */
function peakLr(config: TextV1Config): number {
  const s = config.trainer.schedule;
  return s.kind === 'constant' ? s.lr : s.peakLr;
}

/** The numbers of one probe kept in the results (per block too for `--layers all`). */
function probeRow(p: ProbeSummary) {
  return {
    layer: p.layer, validation: p.validation_accuracy, test: p.accuracy, knn: p.knn_accuracy, train: p.train_accuracy, weight_decay: p.weight_decay,
    ...(p.layers ? { per_layer: p.layers.map((l) => ({ layer: l.layer, validation: l.validation_accuracy, test: l.accuracy, knn: l.knn_accuracy })) } : {}),
    ...(p.baselines ? { baselines: p.baselines } : {}),
    seconds: p.seconds,
  };
}

async function probeAll(encoder: Module, config: BaseRunConfig, probes: string[]) {
  const out: Record<string, ReturnType<typeof probeRow>> = {};
  for (const name of probes) {
    const p = await probeEncoder(encoder, config, PROBES[name]);
    out[name] = probeRow(p);
    console.log(`  ${name}: validation ${(100 * (p.validation_accuracy ?? NaN)).toFixed(1)} %, test ${(100 * p.accuracy).toFixed(1)} %, kNN ${(100 * p.knn_accuracy).toFixed(1)} % (${p.layer}, ${p.seconds.toFixed(0)} s)`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await initBackend(undefined);
  const recipe = getRecipe('text', 'v1');
  const file = fs.existsSync(args.out)
    ? JSON.parse(fs.readFileSync(args.out, 'utf8'))
    : { machine: machineInfo(), command: [] as string[], rows: [] as unknown[] };
  const command = `node dist/bench/text-mlm-control.js ${process.argv.slice(2).join(' ')}`;
  file.command = [...(Array.isArray(file.command) ? file.command : [file.command]), command];
  for (const e of args.entries) {
    const started = Date.now();
    let row: Record<string, unknown>;
    if (e.kind === 'run') {
      const config = readRunConfig(e.run!);
      const runRecipe = getRecipe(config.modality, config.algo);
      const setup = runRecipe.build(config, runRecipe.loadData(config));
      loadCheckpoint(e.run!, { module: setup.objective });
      console.log(`${e.run}: ${config.algo} seed ${config.seed}, ${config.trainer.updates} updates`);
      row = { kind: 'data2vec', algo: config.algo, run: e.run, seed: config.seed, updates: config.trainer.updates, probes: await probeAll(setup.encoder, config, args.probes) };
      setup.objective.dispose();
    } else {
      const overrides: RunOverrides = { seed: e.seed, steps: e.updates, lr: args.lr, set: { 'masking.lossPositions': args.lossPositions } };
      const config = recipe.config('tiny', e.kind === 'mlm' ? overrides : { seed: e.seed }) as TextV1Config;
      const mlm = new MaskedLanguageModel(config);
      if (e.kind === 'random-init') {
        console.log(`random init, seed ${e.seed}`);
        row = { kind: 'random-init', seed: e.seed, probes: await probeAll(mlm.encoder, config, args.probes) };
      } else {
        // The recipe's own batch source (seeded per micro-batch as in `pretrain`); its data2vec model is not used.
        const data = recipe.loadData(config);
        const setup = recipe.build(config, data);
        setup.objective.dispose();
        const trainer = new Trainer(mlm, setup.batches, config.trainer, undefined, config);
        console.log(`masked LM, seed ${e.seed}, ${config.trainer.updates} updates, loss at ${args.lossPositions} positions, peak LR ${peakLr(config)}`);
        const trainStarted = Date.now();
        const result = await trainer.run({
          onUpdate: (r) => {
            if (r.step % 20 === 0 || r.step === 1) console.log(`  update ${r.step}: loss ${r.loss.toFixed(3)}, masked accuracy ${(100 * (r.mlm_accuracy as number)).toFixed(1)} %, ${r.samples_per_sec.toFixed(0)} samples/s`);
          },
        });
        const trainSeconds = (Date.now() - trainStarted) / 1000;
        trainer.dispose();
        const rows = result.rows;
        const tail = rows.slice(-20);
        row = {
          kind: 'mlm', seed: e.seed, updates: result.updates, loss_positions: args.lossPositions, peak_lr: peakLr(config),
          loss_first: rows[0].loss, loss_last20: tail.reduce((s, r) => s + r.loss, 0) / tail.length,
          mlm_accuracy_first: rows[0].mlm_accuracy, mlm_accuracy_last20: tail.reduce((s, r) => s + (r.mlm_accuracy as number), 0) / tail.length,
          train_seconds: trainSeconds,
          probes: await probeAll(mlm.encoder, config, args.probes),
        };
      }
      mlm.dispose();
    }
    row.wall_seconds = (Date.now() - started) / 1000;
    row.load_average = os.loadavg().map((x) => Math.round(x * 10) / 10);
    row.date = new Date().toISOString();
    row.backend = tf.getBackend();
    file.rows.push(row);
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    fs.writeFileSync(args.out, JSON.stringify(file, null, 1) + '\n');
    console.log(`row written (${(row.wall_seconds as number).toFixed(0)} s)`);
  }
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
});
