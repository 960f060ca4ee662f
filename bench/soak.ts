/**
 * Soak benchmark (spec §6, long runs in bounded memory): long `pretrain` runs of the
 * tiny presets on the bundled data, sampling the resident set, the wasm heap and
 * `tf.memory()` (live tensors and bytes) before the first update and every 100
 * updates (with where the resident set lies: external and ArrayBuffer memory, and on
 * Linux the wasm heap's resident pages, the C heap, other anonymous memory, files), each judged flat or not by `src/run/flatness.ts` after a warm-up. Each run
 * is a separate node process (so one run's memory does not count in the next), with two
 * full garbage collections before each sample. The warm-up is 200 updates or the first
 * checkpoint, whichever is later. Defaults: image v1 2,000 updates, image
 * v2 500, audio v1 400, text v1 500.
 *
 * Results (samples, verdicts, date, machine, command) go to
 * bench/results/soak-<date>.json and a self-contained plotly page soak-<date>.html,
 * rewritten after every sample, so an interrupted soak keeps what it measured (Ctrl-C
 * marks the run stopped and judges its samples so far); runs of another invocation on
 * the same date are kept unless rerun. `--rejudge FILE` judges a results file's
 * samples again (a run left `running` by a killed soak becomes `stopped`), with the
 * criteria given or those recorded.
 *
 * Each run's process has glibc's mmap threshold fixed at 128 KiB (`MALLOC_MMAP_THRESHOLD_`,
 * recorded as the run's `env`; see `FIXED_MMAP_THRESHOLD`) unless `--default-malloc`.
 *
 *     npm run bench:soak [-- --runs image-v1,text-v1] [--updates 300] [--every 100] [--warmup 200] [--max-rss-slope 10] [--default-malloc]
 *     node dist/bench/soak.js --rejudge bench/results/soak-<date>.json [--warmup 300]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fork } from 'child_process';
import { initBackend } from '../src/backend/select';
import { soak } from '../src/run/soak';
import { FlatnessCheck, FlatnessCriteria, FlatnessVerdict, MemorySample, judgeFlatness } from '../src/run/flatness';
import { getRecipe } from '../src/modalities/registry';
import { lineFigure, PlotlyFigure } from '../src/viz/figures';
import { writeRunReport } from '../src/viz/report';
import { assertKnownFlags, FlagSpec } from './known-flags';

/** Default updates per run (`<modality>-<algo>`, tiny preset). */
const DEFAULT_UPDATES: Record<string, number> = { 'image-v1': 2000, 'image-v2': 500, 'audio-v1': 400, 'text-v1': 500 };

interface RunSpec {
  name: string;
  updates: number;
  every: number;
  criteria: FlatnessCriteria;
  /** Environment set for the run's process (the C allocator's settings). */
  env?: Record<string, string>;
}

/**
 * glibc raises its mmap threshold after a large block is freed, so later blocks of that
 * size come from the main arena, which then swings between sizes by tens of MB with the
 * order of allocations (measured: 40–67 MB in a speech run). Fixing the threshold at
 * glibc's initial 128 KiB keeps large blocks in their own mappings, returned when freed,
 * so the C heap stays put and a block that is never freed still shows. Ignored by other C
 * libraries; `--default-malloc` runs without it.
 */
const FIXED_MMAP_THRESHOLD = { MALLOC_MMAP_THRESHOLD_: '131072' };

interface RunRecord extends RunSpec {
  status: 'running' | 'done' | 'stopped' | 'failed';
  samples: MemorySample[];
  /** Seconds since the run's start at each sample. */
  sample_seconds: number[];
  verdict?: FlatnessVerdict;
  error?: string;
  samples_per_sec?: number;
  batch?: number;
  seconds?: number;
}

/** Messages from a run's process to the parent. */
type ChildMessage =
  | { kind: 'sample'; sample: MemorySample; seconds: number }
  | { kind: 'done'; samples_per_sec: number; seconds: number }
  | { kind: 'failed'; error: string };

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function numberFlag(name: string, fallback: number): number {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got "${v}".`);
  return n;
}

/** One run, in this process (the child side). */
async function child(spec: RunSpec): Promise<void> {
  const send = (m: ChildMessage) => new Promise<void>((resolve) => (process.send ? process.send(m, undefined, undefined, () => resolve()) : resolve()));
  const [modality, algo] = spec.name.split('-');
  const gc = (globalThis as { gc?: () => void }).gc;
  await initBackend();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `d2v-soak-${spec.name}-`));
  try {
    const r = await soak({
      modality,
      algo,
      updates: spec.updates,
      every: spec.every,
      out,
      criteria: spec.criteria,
      // two full collections: V8 releases the ArrayBuffers found dead by one collection
      // after it (their backing stores are swept concurrently), and the next one completes
      // that; after one, 0-30 MB of dead ArrayBuffers were still resident at a sample
      beforeSample: () => {
        gc?.();
        gc?.();
      },
      onSample: (sample, seconds) => void send({ kind: 'sample', sample, seconds }),
    });
    await send({ kind: 'done', samples_per_sec: r.summary.samples_per_sec, seconds: r.summary.seconds });
  } catch (err) {
    await send({ kind: 'failed', error: (err as Error).message });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  process.disconnect?.();
}

function figures(runs: RunRecord[]): PlotlyFigure[] {
  const metrics: [keyof MemorySample, string, string][] = [
    ['rssMb', 'Resident set', 'MB'],
    ['heapMb', 'wasm heap', 'MB'],
    ['tensors', 'Live tensors (tf.memory().numTensors)', 'tensors'],
    ['tensorMb', 'Tensor bytes (tf.memory().numBytes)', 'MB'],
    ['jsHeapMb', 'JavaScript heap in use (not judged)', 'MB'],
    ['wasmResidentMb', 'wasm heap: resident part (not judged; at most its span)', 'MB'],
    ['cHeapMb', 'C heap (glibc main arena) resident (not judged)', 'MB'],
    ['otherAnonMb', 'Other anonymous memory resident: JavaScript heap, threads, other wasm memories (not judged)', 'MB'],
    ['externalMb', 'process.memoryUsage().external, wasm memories included (not judged)', 'MB'],
    ['arrayBuffersMb', 'process.memoryUsage().arrayBuffers (not judged)', 'MB'],
  ];
  return metrics.map(([key, title, unit]) => {
    const parts = runs.map((r) =>
      lineFigure({ title, x: r.samples.map((s) => s.update), xTitle: 'update', yTitle: unit, series: [{ name: r.name, y: r.samples.map((s) => (s[key] as number | null | undefined) ?? NaN) }] }),
    );
    const fig = parts[0];
    fig.data = parts.flatMap((p) => p.data);
    fig.layout.showlegend = true;
    return fig;
  });
}

function verdictLine(r: RunRecord): string {
  const reached = r.samples[r.samples.length - 1]?.update ?? 0;
  const how = r.status === 'done' ? `over ${r.updates} updates` : `${r.status} after ${reached} of ${r.updates} updates${r.error ? ` (${r.error})` : ''}, so far`;
  if (!r.verdict) return `${r.name}: ${how}: too few samples after update ${r.criteria.warmupUpdates} to judge`;
  const describe = (c: FlatnessCheck, judged: boolean) => {
    const digits = c.name === 'tensors' ? 1 : 3;
    const word = judged ? (c.pass ? 'flat' : 'GROWING') : 'not judged';
    return `${c.name} ${word} (slope ${c.slopePer1000.toFixed(digits)} ± ${c.slopeStdErrPer1000.toFixed(digits)}/1000 updates, change ${c.change.toFixed(c.name === 'tensors' ? 0 : 2)})`;
  };
  const shown = (r.verdict.shown ?? []).map((c) => describe(c, false));
  return `${r.name}: ${r.verdict.pass ? 'PASS' : 'FAIL'} ${how} (${r.verdict.judged} samples from update ${r.criteria.warmupUpdates}): ${[...r.verdict.checks.map((c) => describe(c, true)), ...shown].join(', ')}`;
}

/** Judge each run's samples (so far, for a run that did not finish). */
function judge(runs: RunRecord[]): void {
  for (const r of runs) {
    const judged = r.samples.filter((s) => s.update >= r.criteria.warmupUpdates).length;
    r.verdict = judged >= 3 ? judgeFlatness(r.samples, r.criteria) : undefined;
  }
}

/** The header of the results file. */
interface SoakFileHeader {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  node: string;
  backend: string;
  rejudged?: { date: string; command: string };
}

function write(jsonFile: string, header: SoakFileHeader, runs: RunRecord[]): void {
  judge(runs);
  fs.writeFileSync(jsonFile, JSON.stringify({ ...header, runs }, null, 2) + '\n');
  writeRunReport(jsonFile.replace(/\.json$/, '.html'), {
    title: `data2vec soak — ${header.date.slice(0, 10)}`,
    summary: Object.fromEntries(runs.map((r) => [r.name, `${r.verdict ? (r.verdict.pass ? 'flat (pass)' : 'growing (fail)') : 'not judged'}; ${r.status}, ${r.samples[r.samples.length - 1]?.update ?? 0} of ${r.updates} updates`])),
    config: { ...header, runs: runs.map((r) => ({ name: r.name, updates: r.updates, every: r.every, criteria: r.criteria, batch: r.batch, env: r.env })) },
    figures: figures(runs),
    notes: runs.map(verdictLine),
  });
}

/** The flags soak takes (`--child` is how it starts each run's process). */
const SOAK_FLAGS: FlagSpec = { '--runs': 'value', '--updates': 'value', '--every': 'value', '--warmup': 'value', '--max-rss-slope': 'value', '--default-malloc': 'switch', '--rejudge': 'value', '--child': 'value' };

const commandLine = () => `node ${path.relative(process.cwd(), process.argv[1])} ${process.argv.slice(2).join(' ')}`.trim();

async function main(): Promise<void> {
  assertKnownFlags('soak', process.argv.slice(2), SOAK_FLAGS);
  const childSpec = flag('--child');
  if (childSpec !== undefined) return child(JSON.parse(childSpec) as RunSpec);

  const dir = path.resolve(__dirname, '../../bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const warmup = flag('--warmup');
  const maxRss = flag('--max-rss-slope');
  const rejudge = flag('--rejudge');
  if (rejudge !== undefined) {
    // judge the samples of an earlier soak again: one that was stopped, or with other criteria
    const file = path.resolve(rejudge);
    const { runs, ...header } = JSON.parse(fs.readFileSync(file, 'utf8')) as SoakFileHeader & { runs: RunRecord[] };
    for (const r of runs) {
      if (r.status === 'running') r.status = 'stopped';
      if (warmup !== undefined) r.criteria.warmupUpdates = numberFlag('--warmup', 0);
      if (maxRss !== undefined) r.criteria.maxRssSlopeMbPer1000 = numberFlag('--max-rss-slope', 0);
    }
    write(file, { ...header, rejudged: { date: new Date().toISOString(), command: commandLine() } }, runs);
    // eslint-disable-next-line no-console
    runs.forEach((r) => console.log(verdictLine(r)));
    return;
  }

  const names = (flag('--runs') ?? Object.keys(DEFAULT_UPDATES).join(',')).split(',');
  for (const n of names) {
    if (!/^(image|audio|text)-v[12]$/.test(n)) throw new Error(`--runs: "${n}" is not <image|audio|text>-<v1|v2>.`);
  }
  const every = numberFlag('--every', 100);
  const specs: RunSpec[] = names.map((name) => {
    const updates = numberFlag('--updates', DEFAULT_UPDATES[name] ?? 500);
    // warm-up: 200 updates, or up to the first checkpoint when that is later (its report
    // write reads plotly's 4.8 MB bundle once and keeps it, a one-time step in the resident set)
    const [modality, algo] = name.split('-');
    const firstCheckpoint = getRecipe(modality, algo).config('tiny', { steps: updates }).trainer.checkpointEvery;
    const criteria: FlatnessCriteria = { warmupUpdates: numberFlag('--warmup', Math.max(200, firstCheckpoint)), maxRssSlopeMbPer1000: numberFlag('--max-rss-slope', 10) };
    return { name, updates, every, criteria, env: process.argv.includes('--default-malloc') ? {} : FIXED_MMAP_THRESHOLD };
  });

  const date = new Date().toISOString();
  const jsonFile = path.join(dir, `soak-${date.slice(0, 10)}.json`);
  const earlier: RunRecord[] = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, 'utf8')).runs as RunRecord[]).filter((r) => !names.includes(r.name)) : [];
  const runs: RunRecord[] = [...earlier];
  const loadStart = os.loadavg();
  const header = (): SoakFileHeader => ({
    date,
    command: commandLine(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memory_gb: os.totalmem() / 2 ** 30, loadavg_at_start: loadStart, loadavg_now: os.loadavg() },
    node: process.version,
    backend: 'wasm',
  });
  const save = () => write(jsonFile, header(), runs);

  for (const spec of specs) {
    const [modality, algo] = spec.name.split('-');
    const trainer = getRecipe(modality, algo).config('tiny', { steps: spec.updates }).trainer;
    const record: RunRecord = { ...spec, status: 'running', batch: trainer.batchSize * trainer.accumulation, samples: [], sample_seconds: [] };
    runs.push(record);
    save();
    await new Promise<void>((resolve) => {
      const p = fork(__filename, ['--child', JSON.stringify(spec)], { execArgv: ['--expose-gc'], env: { ...process.env, ...spec.env } });
      // Ctrl-C or a kill: keep what was measured, marked as stopped
      const stop = () => {
        record.status = 'stopped';
        save();
        p.kill();
        process.exit(130);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      p.on('message', (m: ChildMessage) => {
        if (m.kind === 'sample') {
          record.samples.push(m.sample);
          record.sample_seconds.push(m.seconds);
          const s = m.sample;
          const where = s.cHeapMb === undefined ? '' : ` (wasm heap resident ${s.wasmResidentMb?.toFixed(1)}, C heap ${s.cHeapMb.toFixed(1)}, other anonymous ${s.otherAnonMb?.toFixed(1)}, files ${s.fileMb?.toFixed(1)})`;
          process.stderr.write(
            `${spec.name} update ${s.update}: rss ${s.rssMb.toFixed(1)} MB${where}, wasm heap ${s.heapMb?.toFixed(1)} MB, external ${s.externalMb?.toFixed(1)} MB, ` +
              `ArrayBuffers ${s.arrayBuffersMb?.toFixed(1)} MB, ${s.tensors} tensors, ${s.tensorMb.toFixed(3)} MB tensors (${m.seconds.toFixed(0)} s)\n`,
          );
        } else if (m.kind === 'done') {
          Object.assign(record, { status: 'done', samples_per_sec: m.samples_per_sec, seconds: m.seconds });
        } else {
          Object.assign(record, { status: 'failed', error: m.error });
        }
        save();
      });
      p.on('exit', (code) => {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
        if (record.status === 'running') Object.assign(record, { status: 'failed', error: `the run's process exited with code ${code}` });
        save();
        resolve();
      });
    });
    // eslint-disable-next-line no-console
    console.log(verdictLine(record));
  }
  // eslint-disable-next-line no-console
  console.log(`written ${jsonFile} and its .html`);
  if (runs.some((r) => names.includes(r.name) && !(r.status === 'done' && r.verdict?.pass))) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
