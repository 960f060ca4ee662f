/**
 * Labelled speech clips in memory (spec §1.2 input waveform; §2.1 length
 * filter). Loads the bundled `datasets/spoken-digits/` set, or any folder of
 * WAV files labelled by a `manifest.csv` or by sub-folder names, and splits
 * it into train and test without letting one voice (speaker) into both.
 *
 * Length filters: fairseq's LibriSpeech recipe drops clips under
 * `min_sample_size` 32000 (2 s) and crops batches at `max_sample_size` 320000
 * (20 s). Single spoken words last 0.2–1 s, so the defaults here are
 * `minSamples` 3200 (0.2 s at 16 kHz, 9 CNN frames) and `maxSamples` 32000
 * (2 s); clips outside them are skipped with a reason. A folder with some
 * bad files still loads: each bad file lands in `skipped` with its one-
 * sentence reason, and `summarizeSkipped` counts them by kind.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../util/rng';
import { packageRoot } from '../util/package-root';
import { WavError, WavErrorKind, WavReadOptions, describeWavErrorKind, readWav } from './wav';

/** One decoded clip: 16 kHz mono samples in [-1, 1] and its class index into `AudioDataset.labels`. */
export interface AudioClip {
  /** Path of the source file. */
  file: string;
  /** Class index into `labels`. */
  label: number;
  samples: Float32Array;
}

/** A file that was not loaded, with the one-sentence reason. */
export interface SkippedFile {
  file: string;
  /** Category, for `summarizeSkipped`. */
  kind: WavErrorKind;
  reason: string;
}

/** A labelled speech dataset split into train and test. */
export interface AudioDataset {
  train: AudioClip[];
  test: AudioClip[];
  /** Label names; `AudioClip.label` indexes this list. */
  labels: string[];
  /** Files listed or found but not loaded. */
  skipped: SkippedFile[];
  /** Absolute folder read. */
  source: string;
  /** How the split was made: the manifest's `split` column, by a `voice`/`speaker` column, or per file (seeded). */
  splitBy: 'manifest' | 'voice' | 'speaker' | 'file';
}

/** Options of `loadAudioDataset`. */
export interface AudioDatasetOptions {
  /** Shortest clip kept, in samples at 16 kHz. Default 3200 (0.2 s); fairseq's LibriSpeech value is 32000. */
  minSamples?: number;
  /** Longest clip kept, in samples at 16 kHz. Default 32000 (2 s); fairseq crops (not drops) at 320000. */
  maxSamples?: number;
  /** Files at another rate: `'resample'` (default) or `'reject'` (see `src/data/wav.ts`). */
  otherRate?: WavReadOptions['otherRate'];
  /** Share of voices (or of each label's files) put in test when no `split` column exists. Default 0.2. */
  testFraction?: number;
  /** Seed of that split. Default 0. */
  seed?: number;
}

/** Default `minSamples`: 0.2 s at 16 kHz, for single words. */
export const DEFAULT_MIN_SAMPLES = 3200;
/** Default `maxSamples`: 2 s at 16 kHz, for single words. */
export const DEFAULT_MAX_SAMPLES = 32000;

/** One entry to load: a file, its label name, and (when known) its split and voice. */
interface Entry {
  file: string;
  label: string;
  split?: 'train' | 'test';
  group?: string;
}

/** Absolute path of the bundled spoken-digits set, `<package root>/datasets/spoken-digits`. */
export function bundledSpokenDigitsDir(): string {
  return path.join(packageRoot(), 'datasets', 'spoken-digits');
}

/** Split one CSV line into fields (double quotes may wrap a field; `""` inside is a quote). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      fields.push(field.trim());
      field = '';
    } else field += ch;
  }
  fields.push(field.trim());
  return fields;
}

/** Read `manifest.csv`: columns `file,label[,split][,voice|speaker]`, file paths relative to the manifest's folder. */
function readManifest(manifestFile: string): { entries: Entry[]; groupColumn?: 'voice' | 'speaker' } {
  const dir = path.dirname(manifestFile);
  const lines = fs
    .readFileSync(manifestFile, 'utf8')
    .split(/\r?\n/)
    .map((text, i) => ({ text, lineNo: i + 1 }))
    .filter((l) => l.text.trim() !== '');
  const header = csvFields(lines[0]?.text ?? '').map((h) => h.toLowerCase());
  const col = (name: string): number => header.indexOf(name);
  if (col('file') < 0 || col('label') < 0) {
    throw new Error(`${manifestFile} must start with a header naming the columns file and label (optionally split, voice or speaker); found "${lines[0]?.text ?? ''}".`);
  }
  const groupColumn = col('voice') >= 0 ? 'voice' : col('speaker') >= 0 ? 'speaker' : undefined;
  const entries = lines.slice(1).map(({ text, lineNo }): Entry => {
    const cells = csvFields(text);
    const at = (name: string): string | undefined => (col(name) >= 0 ? cells[col(name)] : undefined);
    const file = at('file');
    const label = at('label');
    if (!file || !label) throw new Error(`${manifestFile} line ${lineNo} has no file or no label ("${text}"); give both on every line.`);
    const split = at('split');
    if (split !== undefined && split !== 'train' && split !== 'test') {
      throw new Error(`${manifestFile} line ${lineNo} has split "${split}"; use train or test.`);
    }
    return { file: path.resolve(dir, file), label, split, group: groupColumn ? at(groupColumn) : undefined };
  });
  return { entries, groupColumn };
}

/** `.wav` files (any case) under `dir`, recursively, sorted. */
function wavFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? wavFilesUnder(path.join(dir, e.name)) : /\.wav$/i.test(e.name) ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Entries for every `.wav` file under each `dir/<label>/` sub-folder; labels in natural sort order. */
function entriesFromSubfolders(dir: string): Entry[] {
  const labels = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const entries = labels.flatMap((label) => wavFilesUnder(path.join(dir, label)).map((file) => ({ file, label })));
  if (entries.length === 0) {
    throw new Error(`${dir} has no manifest.csv and no WAV files in label sub-folders; put files in ${dir}/<label>/*.wav or list them in ${dir}/manifest.csv (columns file,label).`);
  }
  return entries;
}

/** How many of `n` go to test: `round(fraction · n)`, but at least one and at most n − 1 when n ≥ 2 and fraction > 0. */
function testShare(fraction: number, n: number): number {
  if (n < 2 || fraction <= 0) return Math.min(n, Math.round(fraction * n));
  return Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}

/** Assign train/test to entries without a split: whole groups (voices) when known, else each label's files, seeded. */
function assignSplit(entries: Entry[], byGroup: boolean, testFraction: number, rng: Rng): void {
  const keyOf = (e: Entry): string => (byGroup ? (e.group ?? '') : e.label);
  const keys = [...new Set(entries.map(keyOf))].sort();
  if (byGroup) {
    const order = rng.permutation(keys.length);
    const testCount = testShare(testFraction, keys.length);
    const testGroups = new Set(order.slice(0, testCount).map((i) => keys[i]));
    for (const e of entries) e.split = testGroups.has(keyOf(e)) ? 'test' : 'train';
    return;
  }
  for (const key of keys) {
    const members = entries.filter((e) => keyOf(e) === key);
    const order = rng.permutation(members.length);
    const testCount = testShare(testFraction, members.length);
    order.forEach((m, rank) => (members[m].split = rank < testCount ? 'test' : 'train'));
  }
}

/**
 * Load a labelled speech dataset. No `dir`: the bundled spoken-digits set
 * (48 espeak-ng voices, split by voice). With `dir`: `dir/manifest.csv` when
 * present (columns `file,label[,split][,voice|speaker]`, paths relative to
 * `dir`), else `dir/<label>/*.wav`. Without a `split` column the split is
 * seeded: by voice/speaker when such a column exists (no voice in both
 * sets), else `testFraction` of each label's files. Labels are in manifest
 * order of first appearance, or natural sort order of the sub-folders.
 */
export function loadAudioDataset(dir?: string, options: AudioDatasetOptions = {}): AudioDataset {
  const source = path.resolve(dir ?? bundledSpokenDigitsDir());
  if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) {
    throw new Error(`audio dataset folder ${source} does not exist or is not a folder; pass a folder of WAV files.`);
  }
  const manifestFile = path.join(source, 'manifest.csv');
  const fromManifest = fs.existsSync(manifestFile);
  const { entries, groupColumn } = fromManifest ? readManifest(manifestFile) : { entries: entriesFromSubfolders(source), groupColumn: undefined };
  const hasSplit = entries.some((e) => e.split !== undefined);
  if (hasSplit && entries.some((e) => e.split === undefined)) {
    throw new Error(`${manifestFile} gives a split on some lines but not all; fill in train or test on every line, or drop the column.`);
  }
  const splitBy: AudioDataset['splitBy'] = hasSplit ? 'manifest' : (groupColumn ?? 'file');
  if (!hasSplit) assignSplit(entries, groupColumn !== undefined, options.testFraction ?? 0.2, new Rng(options.seed ?? 0));

  const labels = [...new Set(entries.map((e) => e.label))];
  const readOptions: WavReadOptions = {
    minSamples: options.minSamples ?? DEFAULT_MIN_SAMPLES,
    maxSamples: options.maxSamples ?? DEFAULT_MAX_SAMPLES,
    otherRate: options.otherRate,
  };
  const result: AudioDataset = { train: [], test: [], labels, skipped: [], source, splitBy };
  for (const entry of entries) {
    try {
      const { samples } = readWav(entry.file, readOptions);
      result[entry.split ?? 'train'].push({ file: entry.file, label: labels.indexOf(entry.label), samples });
    } catch (e) {
      if (!(e instanceof WavError)) throw e;
      result.skipped.push({ file: entry.file, kind: e.kind, reason: e.message });
    }
  }
  return result;
}

/**
 * One line on what was not loaded, counts in decreasing order, e.g.
 * "skipped 3 of 120 files: 2 truncated, 1 not a WAV file" (120 = loaded +
 * skipped).
 */
export function summarizeSkipped(dataset: Pick<AudioDataset, 'train' | 'test' | 'skipped'>): string {
  const { skipped } = dataset;
  const head = `skipped ${skipped.length} of ${dataset.train.length + dataset.test.length + skipped.length} files`;
  if (skipped.length === 0) return head;
  const counts = new Map<WavErrorKind, number>();
  for (const s of skipped) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${n} ${describeWavErrorKind(kind)}`);
  return `${head}: ${parts.join(', ')}`;
}
