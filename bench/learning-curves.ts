/**
 * Learning curves (spec §7.2): for each modality, pretrain the tiny data2vec 1.0
 * and 2.0 presets for the same budget of training seconds, probe on the training
 * clock with the bench's probe (`src/run/probed-training.ts`), and write
 * `<name>.json` (schema `src/run/learning-curves-file.ts`), `<name>.html` (a
 * self-contained plotly page) and `<name>.png` (the page rendered by headless
 * Chromium through playwright-core) of accuracy against training seconds, with
 * each encoder's random-init probe and the raw-input probe as horizontal lines.
 * Text is probed by default on word sense in context (`--text-probe sense`, the
 * probe of `data2vec probe --task sense`); `--text-probe gloss` probes the gloss's
 * supersense on mean-pooled features instead, a bag-of-words task.
 *
 * Each run's schedule (warm-up, cosine decay, EMA anneal) is stretched over the
 * updates that fit the budget: a few timed updates first estimate seconds per
 * update, and the run then stops at the budget or at the end of its schedule,
 * whichever comes first. The JSON is rewritten after every finished run.
 *
 * `--from a.json,b.json` trains nothing and merges finished files into one page.
 *
 *     npm run bench:curves -- --minutes 5 --modalities image
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Command } from 'commander';
import { getRecipe } from '../src/modalities/registry';
import { Algo, RunOverrides } from '../src/modalities/recipe';
import { Trainer } from '../src/train/trainer';
import { median } from '../src/util/median';
import { trainWithProbes, rawProbeAccuracy, benchProbeSegments } from '../src/run/probed-training';
import { bestPoint, firstCrossing } from '../src/run/accuracy-curve';
import { LEARNING_CURVES_SCHEMA, LearningCurvesFile, LearningCurveRun, checkLearningCurves } from '../src/run/learning-curves-file';
import { writeLearningCurves } from '../src/run/learning-curves-page';
import { collectSet, startBackend } from '../src/cli/flags';
import { ProbeTask } from '../src/run/probe';
import { addBackendOptions } from '../src/cli/common-options';
import { freeResultStem } from './free-result-stem';

/** The files a learning-curves run writes beside each other. */
const RESULT_EXTENSIONS = ['.json', '.html', '.png'];

/** How the text sense probe reads and fits (`data2vec probe --task sense`, `src/run/probe.ts`). */
const SENSE_PROBE = 'data2vec probe --task sense: linear probe (L-BFGS logistic regression, standardised features, L2 chosen on a stratified validation fifth of the sense train split) on the student encoder\'s output at a polysemous word inside a sentence (mean over its sub-word tokens), classified into the supersense of that occurrence; the bundled WordNet senses, whole train and test splits';

/** Seconds per update of a (modality, algo) preset with overrides: the median of 4 updates after one warm-up. */
async function secondsPerUpdate(modality: string, algo: Algo, preset: string, overrides: RunOverrides): Promise<number> {
  const recipe = getRecipe(modality, algo);
  const config = recipe.config(preset, overrides);
  const setup = recipe.build(config, recipe.loadData(config));
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  try {
    await trainer.step();
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      await trainer.step();
      times.push((performance.now() - t0) / 1000);
    }
    return median(times);
  } finally {
    trainer.dispose();
    setup.objective.dispose();
  }
}

/** `--set` values for one algorithm: `path=value` applies to both, `v2:path=value` to v2 only. */
function setsFor(algo: Algo, sets: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sets)) {
    const m = /^(v1|v2):(.+)$/.exec(k);
    if (!m) out[k] = v;
    else if (m[1] === algo) out[m[2]] = v;
  }
  return out;
}

async function renderPng(htmlFile: string, pngFile: string): Promise<string | undefined> {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) return `no Chromium at ${chromiumPath} (apt-get install -y chromium)`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    await page.waitForFunction(`Array.from(document.querySelectorAll('.js-plotly-plot')).every((d) => d.querySelector('.main-svg') !== null)`, undefined, { timeout: 60_000 });
    // the charts only, without the summary table and configuration below them
    const charts = page.locator('.figure');
    const first = await charts.first().boundingBox();
    const last = await charts.last().boundingBox();
    if (!first || !last) return 'the page drew no chart';
    await page.screenshot({ path: pngFile, clip: { x: 0, y: first.y, width: 1000, height: last.y + last.height - first.y }, fullPage: true });
    return undefined;
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const program = new Command()
    .option('--minutes <m>', 'training budget of each run, in training minutes', '30')
    .option('--modalities <list>', 'comma-separated modalities', 'image,audio,text')
    .option('--algos <list>', 'comma-separated algorithms', 'v1,v2')
    .option('--preset <name>', 'preset of every run', 'tiny')
    .option('--probe-every-seconds <s>', 'probe interval on the training clock (default: the budget / 12)')
    .option('--text-probe <task>', 'text probe: sense (word sense in context, read at the word: the task where context, i.e. pretraining, can show) or gloss (supersense of the gloss, mean over tokens: a bag-of-words task)', 'sense')
    .option('--seed <n>', 'seed of every run and of the probe subset', '0')
    .option('--set <path=value>', 'config field of every run (v1:path=value or v2:path=value for one algorithm; repeatable)', collectSet)
    .option('--out-dir <dir>', 'folder of the results', 'bench/results')
    .option('--name <name>', 'file name stem, replacing files of that name (default learning-curves-<date>, or -2, -3, … when that day already has one)');
  addBackendOptions(program, 'wasm, cpu, tensorflow or webgpu')
    .option('--from <files>', 'train nothing: merge these comma-separated curves files into one page and PNG (each modality keeps its budget)')
    .parse(process.argv);
  const o = program.opts();
  if (o.from !== undefined) {
    const stem = o.name !== undefined ? path.join(o.outDir, o.name) : freeResultStem(o.outDir, `learning-curves-${new Date().toISOString().slice(0, 10)}`, RESULT_EXTENSIONS);
    const files = String(o.from).split(',').map((f) => checkLearningCurves(JSON.parse(fs.readFileSync(f.trim(), 'utf8')), f.trim()));
    const merged: LearningCurvesFile = { ...files[0], command: files.map((f) => f.command).join(' && '), date: files.map((f) => f.date).join(', '), machine: [...new Set(files.map((f) => f.machine))].join('; '), modalities: Object.fromEntries(files.flatMap((f) => Object.entries(f.modalities).map(([k, m]) => [k, { ...m, budget_seconds: m.budget_seconds ?? f.budget_seconds }]))) };
    fs.writeFileSync(`${stem}.json`, JSON.stringify(checkLearningCurves(merged), null, 1) + '\n');
    writeLearningCurves(`${stem}.html`, merged);
    const why = await renderPng(path.resolve(`${stem}.html`), `${stem}.png`);
    process.stderr.write(why ? `no PNG: ${why}\n` : `wrote ${stem}.json, ${stem}.html and ${stem}.png\n`);
    return;
  }
  const minutes = Number(o.minutes);
  if (!(minutes > 0)) throw new Error(`--minutes is ${o.minutes}; give a positive number of training minutes.`);
  const budget = minutes * 60;
  const every = o.probeEverySeconds !== undefined ? Number(o.probeEverySeconds) : budget / 12;
  if (!(every > 0)) throw new Error(`--probe-every-seconds is ${o.probeEverySeconds}; give a positive number of seconds.`);
  const seed = Number(o.seed);
  const algos = String(o.algos).split(',').map((s) => s.trim()) as Algo[];
  for (const a of algos) if (a !== 'v1' && a !== 'v2') throw new Error(`--algos lists "${a}"; use v1, v2 or v1,v2.`);
  const textProbe = String(o.textProbe);
  if (textProbe !== 'sense' && textProbe !== 'gloss') throw new Error(`--text-probe is "${textProbe}"; use sense or gloss.`);
  const backend = await startBackend(o.backend, o.threads);
  const date = new Date().toISOString();
  const stem = o.name !== undefined ? path.join(o.outDir, o.name) : freeResultStem(o.outDir, `learning-curves-${date.slice(0, 10)}`, RESULT_EXTENSIONS);
  const cpus = os.cpus();
  const file: LearningCurvesFile = {
    schema: LEARNING_CURVES_SCHEMA,
    date,
    machine: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg()[0].toFixed(1)} at start`,
    command: `node dist/bench/learning-curves.js ${process.argv.slice(2).join(' ')}`.trim(),
    backend,
    budget_seconds: budget,
    probe_every_seconds: every,
    modalities: {},
  };
  fs.mkdirSync(o.outDir, { recursive: true });
  const save = (): void => {
    checkLearningCurves(file);
    fs.writeFileSync(`${stem}.json`, JSON.stringify(file, null, 1) + '\n');
  };
  for (const modality of String(o.modalities).split(',').map((s) => s.trim())) {
    const segments = benchProbeSegments(modality);
    const task: ProbeTask = modality === 'text' && textProbe === 'sense' ? 'sense' : 'labels';
    const raw = await rawProbeAccuracy(modality, { preset: o.preset, seed });
    process.stderr.write(`${modality}: raw-input probe ${raw ? (100 * raw.accuracy).toFixed(1) + ' %' : 'n/a (no fixed-size raw features)'}\n`);
    file.modalities[modality] = {
      task,
      probe: task === 'sense' ? SENSE_PROBE : `linear probe (L-BFGS logistic regression, standardised features, L2 chosen on a stratified validation fifth of train) on frozen ${segments > 1 ? `means of ${segments} time segments` : 'mean-pooled features'} of the student encoder's output${modality === 'image' ? '; 2,000 seeded train images, all 1,000 test images' : '; whole splits'}`,
      raw_input: raw,
      runs: {},
    };
    for (const algo of algos) {
      const sets = setsFor(algo, (o.set as Record<string, string>) ?? {});
      const perUpdate = await secondsPerUpdate(modality, algo, o.preset, { seed, set: sets });
      const updates = Math.max(10, Math.ceil(budget / perUpdate));
      process.stderr.write(`${modality} ${algo}: ${perUpdate.toFixed(2)} s/update measured; schedule over ${updates} updates\n`);
      const run = await trainWithProbes({
        modality, algo, preset: o.preset, seed, overrides: { steps: updates, set: sets }, probeEverySeconds: every, maxSeconds: budget, probeTask: task,
        onProbe: (p) => process.stderr.write(`${modality} ${algo} update ${p.update}: ${(100 * p.accuracy).toFixed(1)} % after ${p.seconds.toFixed(0)} s (L2 ${p.weight_decay}, validation ${p.validation_accuracy === undefined ? 'n/a' : `${(100 * p.validation_accuracy).toFixed(1)} %`})\n`),
      });
      const steady = run.step_ms.slice(1);
      const toRaw = raw ? firstCrossing(run.probes, raw.accuracy) : null;
      const entry: LearningCurveRun = {
        preset: o.preset,
        schedule_updates: updates,
        updates: run.updates,
        train_seconds: run.train_seconds,
        probe_seconds: run.probe_seconds,
        batch_size: run.batch_size,
        views_per_sample: run.views_per_sample,
        median_step_ms: steady.length ? median(steady) : null,
        random_init_accuracy: run.probes[0].accuracy,
        best_accuracy: bestPoint(run.probes).accuracy,
        seconds_to_raw_input: toRaw ? toRaw.seconds : null,
        probes: run.probes,
      };
      file.modalities[modality].runs[algo] = entry;
      save();
      writeLearningCurves(`${stem}.html`, file);
    }
  }
  const why = await renderPng(path.resolve(`${stem}.html`), `${stem}.png`);
  process.stderr.write(why ? `no PNG: ${why}\n` : `wrote ${stem}.json, ${stem}.html and ${stem}.png\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
