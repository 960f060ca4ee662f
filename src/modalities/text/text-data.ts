/**
 * Text data for the text recipes (spec §1.4 data): the bundled WordNet glosses
 * (train/test, 41 supersense labels) or `--data PATH`, tokenised once.
 *
 * `PATH` is either
 * - one UTF-8 text file (one document per line) or JSONL file (`text`, optional
 *   `label`), split into train (80 %) and test (20 %) by a fixed permutation that does
 *   not depend on the run seed, so pretraining never sees the test documents and every
 *   run and probe agrees on the split; or
 * - a folder holding `train.jsonl` and `test.jsonl` (or `train.txt` / `test.txt`),
 *   used as given.
 *
 * Large corpora (`.gz`, folders without splits, files over 64 MiB) and token caches
 * stream instead (`text-stream.ts`); they carry no labels.
 *
 * Labels come from the JSONL `label` field. A corpus without labels can be pretrained
 * on; probing it fails with one sentence saying why. A corpus where only some documents
 * carry a label is an error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TextDocument, loadWordnetGlosses, readTextCorpus } from '../../data/text-dataset';
import { Tokenizer } from '../../data/tokenizer';
import { loadTokenizer } from '../../data/tokenizer-presets';
import { Rng } from '../../util/rng';
import type { TokenSpan } from './word-span';
import { TokenCache } from '../../data/token-cache';
import { ensureTextCache, openTextCache, textDataKind } from './text-stream';
import { findTokenCache } from '../../data/token-cache';
import { DataProgress, RecipeData } from '../recipe';

/** Which tokenizer a run uses (see `loadTokenizer`). */
export interface TokenizerConfig {
  /** `wordnet-bpe`, `gpt2`, or the path of a `.tiktoken` rank file. */
  name: string;
  /** Number of ids, specials included (default: the tokenizer's own). */
  vocabSize?: number;
}

/** One split: documents, their token ids (no specials) and, for labelled sets, class ids. */
export interface TextSplit {
  documents: TextDocument[];
  /** Token ids of each document, without `<s>`/`</s>`. */
  ids: number[][];
  /** Class id of each document (index into `TextData.labels`); absent when the corpus has no labels. */
  labels?: Int32Array;
  /**
   * Token positions of each row's target word (word-in-context tasks, see
   * `sense-data.ts`): probing then pools over those positions only, not the whole row.
   */
  spans?: TokenSpan[];
}

export interface TextData extends RecipeData {
  tokenizer: Tokenizer;
  train: TextSplit;
  test: TextSplit;
  /** Class names, sorted; empty when the corpus has no labels. */
  labels: string[];
  /** Where the documents came from (a path or "bundled WordNet glosses"), for messages. */
  source: string;
  /** Set when `--data` streams from a token cache (`text-stream.ts`): pretraining rows come from it, the splits above are empty. */
  cache?: TokenCache;
}

/** Share of a single-file corpus held out for testing. */
export const TEST_FRACTION = 0.2;

/** Seed of the fixed train/test permutation of a single-file corpus. */
const SPLIT_SEED = 'text-split';

function readSplitFolder(dir: string): { train: TextDocument[]; test: TextDocument[] } {
  const pick = (stem: string): string => {
    for (const ext of ['.jsonl', '.txt']) {
      const file = path.join(dir, stem + ext);
      if (fs.existsSync(file)) return file;
    }
    throw new Error(`the text folder ${dir} has no ${stem}.jsonl or ${stem}.txt; give a folder with both splits, or a single text/JSONL file.`);
  };
  return { train: readTextCorpus(pick('train')).documents, test: readTextCorpus(pick('test')).documents };
}

/** Fixed 80/20 split of one file's documents. */
export function splitDocuments(documents: TextDocument[]): { train: TextDocument[]; test: TextDocument[] } {
  const order = new Rng(SPLIT_SEED).permutation(documents.length);
  const nTest = documents.length >= 2 ? Math.max(1, Math.round(documents.length * TEST_FRACTION)) : 0;
  const testSet = new Set(order.slice(0, nTest));
  return {
    train: documents.filter((_, i) => !testSet.has(i)),
    test: documents.filter((_, i) => testSet.has(i)),
  };
}

/** Class names and ids, or none for an unlabelled corpus; a partly labelled corpus is an error. */
function labelSplits(source: string, train: TextDocument[], test: TextDocument[]): { labels: string[]; train?: Int32Array; test?: Int32Array } {
  const all = [...train, ...test];
  const labelled = all.filter((d) => d.label !== undefined).length;
  if (labelled === 0) return { labels: [] };
  if (labelled < all.length) {
    throw new Error(`${source}: ${all.length - labelled} of ${all.length} documents have no "label" field; give every JSONL line a label, or none of them for unlabelled pretraining.`);
  }
  const labels = [...new Set(all.map((d) => d.label as string))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const ids = (docs: TextDocument[]) => Int32Array.from(docs, (d) => index.get(d.label as string)!);
  return { labels, train: ids(train), test: ids(test) };
}

/** Load and tokenise the bundled glosses (no `data`) or the file/folder `data`; large corpora and token caches stream (`text-stream.ts`). */
export function loadTextData(config: { data?: string; tokenizer: TokenizerConfig; sequences?: { maxLength: number } }): TextData {
  const tokenizer = loadTokenizer(config.tokenizer.name, { vocabSize: config.tokenizer.vocabSize });
  if (config.data !== undefined && textDataKind(config.data) !== 'memory') {
    const cache = openTextCache(config.data, tokenizer);
    const length = config.sequences?.maxLength ?? 512;
    const rows = cache.rowCount(length);
    const empty: TextSplit = { documents: [], ids: [] };
    return {
      tokenizer, train: empty, test: { documents: [], ids: [] }, labels: [], source: config.data, cache,
      trainSize: rows, testSize: 0, numClasses: 0,
      describe: `${config.data}: token cache ${cache.prefix}.bin, ${cache.header.tokens.toLocaleString('en-US')} ${cache.header.dtype} tokens of ${cache.header.documents.toLocaleString('en-US')} documents ` +
        `(${tokenizer.name}, ${tokenizer.vocabSize} ids), ${rows.toLocaleString('en-US')} rows of ${length} tokens, streamed`,
    };
  }
  let source: string;
  let split: { train: TextDocument[]; test: TextDocument[] };
  if (config.data === undefined) {
    source = 'bundled WordNet glosses';
    split = loadWordnetGlosses();
  } else {
    source = config.data;
    if (!fs.existsSync(source)) throw new Error(`--data ${source} does not exist; give a UTF-8 text or JSONL file, or a folder with train.jsonl and test.jsonl.`);
    split = fs.statSync(source).isDirectory() ? readSplitFolder(source) : splitDocuments(readTextCorpus(source).documents);
  }
  const labelled = labelSplits(source, split.train, split.test);
  const encode = (docs: TextDocument[]) => docs.map((d) => tokenizer.encode(d.text));
  const train: TextSplit = { documents: split.train, ids: encode(split.train), labels: labelled.train };
  const test: TextSplit = { documents: split.test, ids: encode(split.test), labels: labelled.test };
  const tokens = train.ids.reduce((n, ids) => n + ids.length, 0);
  return {
    tokenizer, train, test, labels: labelled.labels, source,
    trainSize: train.documents.length, testSize: test.documents.length, numClasses: labelled.labels.length,
    describe: `${source}: ${train.documents.length} train / ${test.documents.length} test documents, ` +
      `${tokens} train tokens (${tokenizer.name}, ${tokenizer.vocabSize} ids), ` +
      (labelled.labels.length > 0 ? `${labelled.labels.length} labels` : 'no labels'),
  };
}

/** Build the token cache of a raw corpus named by `data` on first use (`text-stream.ts`), reporting progress. */
export async function prepareTextData(config: { data?: string; tokenizer: TokenizerConfig }, progress: DataProgress = {}): Promise<void> {
  if (config.data === undefined || textDataKind(config.data) !== 'corpus') return;
  const tokenizer = loadTokenizer(config.tokenizer.name, { vocabSize: config.tokenizer.vocabSize });
  const current = findTokenCache(config.data, tokenizer);
  if (current) return current.close();
  progress.onStartTokenize?.(`tokenising ${config.data} (${tokenizer.name}) into its token cache, once`);
  await ensureTextCache(config.data, tokenizer, progress.onTokenize);
}

/** The class ids of a split, or a one-sentence error when the corpus has no labels. */
export function requireLabels(data: TextData, split: 'train' | 'test'): Int32Array {
  const labels = data[split].labels;
  if (!labels || data.labels.length === 0) {
    throw new Error(`${data.source} has no "label" field on its documents, so there is nothing to probe or fine-tune on; use a JSONL file whose lines carry a label, e.g. {"text": "...", "label": "..."}, or omit --data to use the bundled WordNet glosses.`);
  }
  if (data.labels.length < 2) {
    throw new Error(`${data.source} has a single label (${data.labels[0]}); probing needs at least two classes.`);
  }
  if (data[split].documents.length === 0) {
    throw new Error(`${data.source} has no ${split} documents; give more documents (a single file keeps ${TEST_FRACTION * 100} % for testing).`);
  }
  return labels;
}

/**
 * Throws one sentence when a text model and its rows disagree with the loaded tokenizer
 * (vocabulary size, `<pad>` id) or the model's positions (row length); shared by the
 * v1 and v2 text recipes.
 */
export function checkTextModelAndRows(
  model: { vocabSize: number; padIdx: number; maxPositions: number },
  sequences: { packing: string; maxLength: number },
  data: TextData,
): void {
  if (model.vocabSize !== data.tokenizer.vocabSize) {
    throw new Error(`model.vocabSize is ${model.vocabSize} but the ${data.tokenizer.name} tokenizer has ${data.tokenizer.vocabSize} ids; set both to the same value.`);
  }
  if (model.padIdx !== data.tokenizer.specials.pad) {
    throw new Error(`model.padIdx is ${model.padIdx} but the tokenizer's <pad> id is ${data.tokenizer.specials.pad}.`);
  }
  if (sequences.packing !== 'documents' && sequences.packing !== 'blocks') {
    throw new Error(`sequences.packing must be "documents" or "blocks", got ${JSON.stringify(sequences.packing)}.`);
  }
  if (!(Number.isInteger(sequences.maxLength) && sequences.maxLength >= 2 && sequences.maxLength <= model.maxPositions)) {
    throw new Error(`sequences.maxLength is ${sequences.maxLength}; it must be an integer from 2 to model.maxPositions (${model.maxPositions}).`);
  }
}
