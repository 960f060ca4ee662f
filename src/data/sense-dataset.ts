/**
 * The bundled word-sense-in-context task (`datasets/wordnet-senses/`, spec §7 probing
 * protocols): occurrences of polysemous nouns and verbs inside WordNet's usage
 * examples, each labelled with the supersense of that occurrence. One JSON object per
 * line: `text` (the sentence), `start`/`end` (UTF-16 offsets of the target word in
 * `text`), `lemma`, `label` (supersense) and `id` (the synset). A malformed line stops
 * the read with one sentence naming the file, the 1-based line and the field.
 */
import * as path from 'path';
import { z } from 'zod';
import * as fs from 'fs';
import { withFile } from '../util/io-error';
import { wordnetGlossesDir } from './text-dataset';

/** One labelled occurrence of a word inside a sentence. */
export interface SenseExample {
  text: string;
  /** Offset of the target word's first character in `text`. */
  start: number;
  /** Offset just after the target word's last character. */
  end: number;
  lemma: string;
  label: string;
  id: string;
}

const senseRow = z.object({
  text: z.string().min(1),
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  lemma: z.string().min(1),
  label: z.string().min(1),
  id: z.string(),
}).refine((r) => r.start < r.end && r.end <= r.text.length, { message: 'start/end must satisfy 0 ≤ start < end ≤ text length', path: ['end'] });

/** Read one sense file (see the file header for the format and errors). */
export function readSenseExamples(file: string): SenseExample[] {
  const text = withFile('read the sense task file', file, () => fs.readFileSync(file, 'utf8'), 'regenerate it with datasets/wordnet-senses/make.js');
  const rows: SenseExample[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${file} line ${i + 1} is not valid JSON; each line must be one JSON object as make.js writes it.`);
    }
    const r = senseRow.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`${file} line ${i + 1}: field "${issue.path.join('.') || '(line)'}" is invalid (${issue.message}); each line needs text, start, end, lemma, label and id as make.js writes them.`);
    }
    rows.push(r.data);
  }
  return rows;
}

/** The folder of the bundled sense task. */
export function wordnetSensesDir(): string {
  return path.join(path.dirname(wordnetGlossesDir()), 'wordnet-senses');
}

/** The bundled sense task's train and test splits (sentences never shared between them). */
export function loadWordnetSenses(dir = wordnetSensesDir()): { train: SenseExample[]; test: SenseExample[] } {
  return { train: readSenseExamples(path.join(dir, 'train.jsonl')), test: readSenseExamples(path.join(dir, 'test.jsonl')) };
}
