/**
 * The word-sense-in-context probe's data (spec §7 probing protocols): the bundled
 * WordNet sense task (`datasets/wordnet-senses/`) as `TextData` whose rows are the
 * sentences, whose labels are the supersenses of the target occurrences, and whose
 * `spans` give each target word's tokens, so that `documentFeatures` pools the encoder
 * at the word and nowhere else. A context-free encoder gives every occurrence of a word
 * the same feature apart from what attention brings in from its neighbours, so word
 * identity alone can at best answer each lemma's most frequent training sense:
 * {@link senseBaselines} reports that ceiling and the overall majority class.
 * {@link senseSubset} cuts the task to a seeded subset for quick looks.
 */
import type { Tokenizer } from '../../data/tokenizer';
import { SenseExample, loadWordnetSenses } from '../../data/sense-dataset';
import { Rng } from '../../util/rng';
import { TextData, TextSplit } from './text-data';
import { wordTokenSpan } from './word-span';

/** Accuracy on test of answers that ignore context. */
export interface SenseBaselines {
  /** Always the most frequent training supersense. */
  majority: number;
  /** Each lemma's most frequent training supersense (what word identity alone can give). */
  lemma_majority: number;
}

/** The sense task tokenised with `tokenizer` (the bundled task unless `examples` is given). */
export function loadSenseData(tokenizer: Tokenizer, examples: { train: SenseExample[]; test: SenseExample[] } = loadWordnetSenses()): TextData {
  const labels = [...new Set([...examples.train, ...examples.test].map((e) => e.label))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const split = (rows: SenseExample[]): TextSplit => {
    const cut = rows.map((e) => wordTokenSpan(tokenizer, e.text, e.start, e.end));
    return {
      documents: rows.map((e) => ({ text: e.text, label: e.label })),
      ids: cut.map((c) => c.ids),
      spans: cut.map((c) => c.span),
      labels: Int32Array.from(rows, (e) => index.get(e.label)!),
    };
  };
  const train = split(examples.train);
  const test = split(examples.test);
  const lemmas = new Set(examples.train.map((e) => e.lemma)).size;
  return {
    tokenizer, train, test, labels, source: 'bundled WordNet senses',
    trainSize: examples.train.length, testSize: examples.test.length, numClasses: labels.length,
    describe: `bundled WordNet senses: ${examples.train.length} train / ${examples.test.length} test occurrences of ${lemmas} polysemous words, ${labels.length} supersenses (${tokenizer.name}, ${tokenizer.vocabSize} ids)`,
  };
}

/** How many occurrences of each split a {@link senseSubset} keeps (absent: the whole split). */
export interface SenseSubsetSizes {
  train?: number;
  test?: number;
}

/**
 * A seeded subset of the sense task: at most `sizes.train` training and `sizes.test` test
 * occurrences, drawn without replacement and kept in their file order; the same rows for
 * the same seed, so every encoder probed with one seed reads the same occurrences.
 */
export function senseSubset(
  examples: { train: SenseExample[]; test: SenseExample[] },
  sizes: SenseSubsetSizes,
  seed: number | string,
): { train: SenseExample[]; test: SenseExample[] } {
  const pick = (rows: SenseExample[], n: number | undefined, split: 'train' | 'test'): SenseExample[] => {
    if (n === undefined) return rows;
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`senseSubset.${split} is ${n}; it must be a positive whole number of occurrences (or absent for the whole split).`);
    if (n >= rows.length) return rows;
    return new Rng(`${seed}:sense-subset:${split}`).sampleWithoutReplacement(rows.length, n).sort((a, b) => a - b).map((i) => rows[i]);
  };
  return { train: pick(examples.train, sizes.train, 'train'), test: pick(examples.test, sizes.test, 'test') };
}

/** Most frequent label of `rows` (ties: the first in sorted order). */
function mostFrequent(rows: readonly SenseExample[]): string {
  const counts = new Map<string, number>();
  for (const e of rows) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}

/** Test accuracy of the context-free answers (see {@link SenseBaselines}); unseen lemmas get the overall majority. */
export function senseBaselines(train: readonly SenseExample[], test: readonly SenseExample[]): SenseBaselines {
  const overall = mostFrequent(train);
  const byLemma = new Map<string, SenseExample[]>();
  for (const e of train) {
    const rows = byLemma.get(e.lemma);
    if (rows) rows.push(e);
    else byLemma.set(e.lemma, [e]);
  }
  const lemmaAnswer = new Map([...byLemma].map(([lemma, rows]) => [lemma, mostFrequent(rows)]));
  const score = (answer: (e: SenseExample) => string) => test.filter((e) => answer(e) === e.label).length / Math.max(1, test.length);
  return { majority: score(() => overall), lemma_majority: score((e) => lemmaAnswer.get(e.lemma) ?? overall) };
}
