/**
 * Reading text corpora (spec §1.4 data; the `--data FILE` option) and the bundled
 * WordNet gloss set (`datasets/wordnet-glosses/`).
 *
 * A corpus file is either
 * - plain UTF-8 text, one document per line, or
 * - JSONL: one JSON object per line with a string `text` field and an optional `label`
 *   (string or number; read as a string). Other fields are ignored.
 *
 * Lines are trimmed (as fairseq's preprocessing strips each line); lines that are then
 * empty, and JSONL records whose `text` is empty after trimming, are skipped and counted.
 * `\r\n` line ends and a leading byte-order mark are accepted. Problems stop the read
 * with one sentence naming the file and the 1-based line: bytes that are not UTF-8, a
 * JSONL line that is not a JSON object or has no string `text`, a file with no document.
 */
import * as fs from 'fs';
import * as path from 'path';
import { withFile } from '../util/io-error';
import { packageRoot } from '../util/package-root';

/** One document: its text and, for labelled corpora, its class name. */
export interface TextDocument {
  text: string;
  label?: string;
}

/** How a corpus file is read: `auto` picks `jsonl` for `.jsonl`/`.ndjson` names and `lines` otherwise. */
export type TextFileFormat = 'auto' | 'lines' | 'jsonl';

/** A corpus read from one file. */
export interface TextCorpus {
  file: string;
  format: 'lines' | 'jsonl';
  documents: TextDocument[];
  /** Distinct labels present, sorted (empty for unlabelled corpora). */
  labels: string[];
  /** Lines (or JSONL records) skipped because their text was empty. */
  skippedEmpty: number;
}

/** Read a corpus file (see the header comment for the formats and errors). */
export function readTextCorpus(file: string, format: TextFileFormat = 'auto'): TextCorpus {
  const bytes = withFile('read the text file', file, () => fs.readFileSync(file), 'check the --data path');
  return parseTextCorpus(bytes, file, format);
}

/** Parse corpus bytes; `file` names the source in messages and picks the format when `auto`. */
export function parseTextCorpus(bytes: Uint8Array, file: string, format: TextFileFormat = 'auto'): TextCorpus {
  const resolved = format === 'auto' ? (/\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'lines') : format;
  const lines = decodeUtf8Strict(bytes, file).split('\n');
  const documents: TextDocument[] = [];
  let skippedEmpty = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') {
      // The empty string after a final newline is not a line of the file.
      if (i < lines.length - 1 || lines[i] !== '') skippedEmpty++;
      continue;
    }
    const doc = resolved === 'jsonl' ? parseJsonlRecord(line, `${file} line ${i + 1}`) : { text: line };
    if (doc.text === '') skippedEmpty++;
    else documents.push(doc);
  }
  if (documents.length === 0) {
    throw new Error(
      `${file} has no document (it is empty or every line is blank); give UTF-8 text with one document per line` +
        (resolved === 'jsonl' ? ', or JSONL lines with a non-empty "text" field.' : '.'),
    );
  }
  const labels = [...new Set(documents.flatMap((d) => (d.label === undefined ? [] : [d.label])))].sort();
  return { file, format: resolved, documents, labels, skippedEmpty };
}

/** Decode UTF-8, or throw naming the line and byte offset of the first invalid sequence. */
function decodeUtf8Strict(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // 0x0A never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one.
    const lineDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let start = 0;
    for (let line = 1; ; line++) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl < 0 ? bytes.length : nl;
      try {
        lineDecoder.decode(bytes.subarray(start, end));
      } catch {
        throw new Error(
          `${file} line ${line} is not valid UTF-8 (the line starts at byte ${start}); ` +
            'convert the file to UTF-8, e.g. with iconv -f latin1 -t utf-8.',
        );
      }
      if (nl < 0) break;
      start = nl + 1;
    }
    throw new Error(`${file} is not valid UTF-8; convert the file to UTF-8.`);
  }
}

/** One JSONL line to a document; `where` is "FILE line N". */
function parseJsonlRecord(line: string, where: string): TextDocument {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new Error(
      `${where} is not valid JSON (${(err as Error).message}); each line of a JSONL file must be one JSON object with a "text" field.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where} is not a JSON object; each line of a JSONL file must be an object such as {"text": "..."}.`);
  }
  const record = value as Record<string, unknown>;
  if (typeof record.text !== 'string') {
    throw new Error(`${where} has no string "text" field; add one (e.g. {"text": "...", "label": "..."}) or remove the line.`);
  }
  const doc: TextDocument = { text: record.text.trim() };
  if (record.label !== undefined && record.label !== null) {
    if (typeof record.label !== 'string' && typeof record.label !== 'number') {
      throw new Error(`${where} has a "label" that is neither a string nor a number; use a class name such as "noun.animal".`);
    }
    doc.label = String(record.label);
  }
  return doc;
}

/** Integer class ids for labelled documents, in the order of `labels` (default: the sorted distinct labels). */
export function labelIds(documents: readonly TextDocument[], labels?: readonly string[]): { ids: Int32Array; labels: string[] } {
  const names = labels ? [...labels] : [...new Set(documents.map((d) => d.label ?? ''))].sort();
  const index = new Map(names.map((name, i) => [name, i]));
  const ids = new Int32Array(documents.length);
  documents.forEach((d, i) => {
    const id = d.label === undefined ? undefined : index.get(d.label);
    if (id === undefined) {
      const what = d.label === undefined ? 'has no label' : `has label ${JSON.stringify(d.label)}, which is not among the ${names.length} known labels`;
      throw new Error(`document ${i} ${what}; every document of a labelled set needs one of the known labels.`);
    }
    ids[i] = id;
  });
  return { ids, labels: names };
}

/** The bundled WordNet gloss set: definitions labelled with their supersense. */
export interface WordnetGlosses {
  train: TextDocument[];
  test: TextDocument[];
  /** The 41 supersense names (26 `noun.*`, 15 `verb.*`), sorted. */
  labels: string[];
}

/**
 * The folder `datasets/wordnet-glosses/` of this package (see {@link packageRoot}).
 */
export function wordnetGlossesDir(): string {
  return path.join(packageRoot(), 'datasets', 'wordnet-glosses');
}

/** Load the bundled WordNet glosses (`train.jsonl`, `test.jsonl`). */
export function loadWordnetGlosses(): WordnetGlosses {
  const dir = wordnetGlossesDir();
  const train = readTextCorpus(path.join(dir, 'train.jsonl'), 'jsonl');
  const test = readTextCorpus(path.join(dir, 'test.jsonl'), 'jsonl');
  const labels = [...new Set([...train.labels, ...test.labels])].sort();
  return { train: train.documents, test: test.documents, labels };
}
