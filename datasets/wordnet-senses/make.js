#!/usr/bin/env node
// @ts-check
/**
 * Regenerates datasets/wordnet-senses/ from Debian's WordNet 3.0 (package wordnet-base):
 * a word-sense-in-context task. Each row is one occurrence of a polysemous noun/verb
 * inside one of WordNet's usage examples (the quoted sentences of the glosses), labelled
 * with the supersense (lexicographer file) of the synset whose example it is. See README.md.
 *
 * Run from the package root after a build:  npm run build && node datasets/wordnet-senses/make.js
 * Installs wordnet-base with apt-get when /usr/share/wordnet is missing (needs root).
 * `buildSenseTask(dir)` is exported so that the tests can compare the committed files
 * with a fresh build.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');
const { Rng } = require('../../dist/src/util/rng');

const WORDNET = '/usr/share/wordnet';
const OUT = __dirname;
/** Seed of the sentence split. */
const SPLIT_SEED = 'wordnet-senses';
/** Share of the distinct sentences held out for testing. */
const TEST_FRACTION = 0.2;
/** Usage examples longer than this (characters) are left out, so that rows stay short. */
const MAX_SENTENCE_CHARS = 160;

/** WordNet 3.0 lexicographer file numbers → names (lexnames(5WN)), checked there against the man page. */
const { LEXNAMES, definitionOf } = require('../wordnet-glosses/make.js');

/** Morphy's detachment rules (morphy(7WN)): suffix → replacement, per part of speech. */
const DETACH = {
  noun: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  verb: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
};

/**
 * @typedef {{ id: string, label: string, pos: 'noun' | 'verb', words: string[], gloss: string }} Synset
 * @typedef {{ text: string, start: number, end: number, lemma: string, label: string, id: string }} Occurrence
 */

/**
 * Synsets of one data.POS file: id, supersense, lower-cased word forms, gloss.
 * @param {string} dir
 * @param {'noun' | 'verb'} pos
 * @returns {Synset[]}
 */
function readSynsets(dir, pos) {
  const out = [];
  for (const line of fs.readFileSync(path.join(dir, `data.${pos}`), 'utf8').split('\n')) {
    if (line === '' || line.startsWith('  ')) continue; // licence header lines start with two spaces
    const bar = line.indexOf(' | ');
    const fields = line.slice(0, bar).split(' ');
    const label = LEXNAMES[Number(fields[1])];
    if (!label || !label.startsWith(`${pos}.`)) throw new Error(`unexpected lexicographer file ${fields[1]} in data.${pos}`);
    const count = parseInt(fields[3], 16);
    const words = [];
    for (let w = 0; w < count; w++) words.push(fields[4 + 2 * w].toLowerCase());
    out.push({ id: `${fields[2]}${fields[0]}`, label, pos, words, gloss: line.slice(bar + 3).trim() });
  }
  return out;
}

/**
 * Exception list of one part of speech: inflected form → base forms (noun.exc, verb.exc).
 * @param {string} dir
 * @param {'noun' | 'verb'} pos
 * @returns {Map<string, string[]>}
 */
function readExceptions(dir, pos) {
  const map = new Map();
  for (const line of fs.readFileSync(path.join(dir, `${pos}.exc`), 'utf8').split('\n')) {
    const [form, ...bases] = line.trim().split(' ');
    if (form) map.set(form, bases);
  }
  return map;
}

/**
 * The quoted usage examples of a gloss, trimmed, in order.
 * @param {string} gloss
 * @returns {string[]}
 */
function usageExamples(gloss) {
  return [...gloss.matchAll(/"([^"]+)"/g)].map((m) => m[1].trim()).filter((s) => s.length > 0);
}

/**
 * Candidate base forms of a lower-cased surface word (the word itself, its exceptions,
 * and morphy's detachment rules), as morphy(7WN) proposes them.
 * @param {string} word
 * @param {'noun' | 'verb'} pos
 * @param {Map<string, string[]>} exceptions
 * @returns {Set<string>}
 */
function baseForms(word, pos, exceptions) {
  const out = new Set([word, ...(exceptions.get(word) ?? [])]);
  for (const [suffix, replacement] of DETACH[pos]) {
    if (word.length > suffix.length + 1 && word.endsWith(suffix)) out.add(word.slice(0, -suffix.length) + replacement);
  }
  return out;
}

/**
 * Occurrences of the synset's single-word forms inside one example sentence: whole
 * alphabetic words (not part of a hyphenated or apostrophe compound) whose base form is
 * one of the synset's words.
 * @param {string} text
 * @param {Synset} synset
 * @param {Map<string, string[]>} exceptions
 * @returns {{ start: number, end: number, lemma: string }[]}
 */
function occurrencesIn(text, synset, exceptions) {
  const found = [];
  for (const m of text.matchAll(/[A-Za-z]+/g)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (/[-'’]/.test(text[start - 1] ?? '') || /[-'’]/.test(text[end] ?? '')) continue;
    const lemma = [...baseForms(m[0].toLowerCase(), synset.pos, exceptions)].find((b) => synset.words.includes(b));
    if (lemma !== undefined) found.push({ start, end, lemma });
  }
  return found;
}

/**
 * The whole task from the WordNet files in `dir` (see README.md "Construction").
 * @param {string} dir
 */
function buildSenseTask(dir) {
  const synsets = [...readSynsets(dir, 'noun'), ...readSynsets(dir, 'verb')];
  const exceptions = { noun: readExceptions(dir, 'noun'), verb: readExceptions(dir, 'verb') };
  // A word is polysemous across supersenses when its synsets (nouns and verbs together) lie in ≥ 2 lexicographer files.
  /** @type {Map<string, Set<string>>} */
  const supersensesOf = new Map();
  for (const s of synsets) for (const w of s.words) supersensesOf.set(w, (supersensesOf.get(w) ?? new Set()).add(s.label));
  // Definitions (the pretraining text of ../wordnet-glosses): no task sentence may equal one.
  const definitions = new Set(synsets.map((s) => definitionOf(s.gloss)));

  /** @type {Map<string, Occurrence[]>} occurrences by `text:start:end` */
  const byPosition = new Map();
  for (const s of synsets) {
    for (const text of usageExamples(s.gloss)) {
      if (text.length > MAX_SENTENCE_CHARS || definitions.has(text)) continue;
      for (const o of occurrencesIn(text, s, exceptions[s.pos])) {
        if ((supersensesOf.get(o.lemma)?.size ?? 0) < 2) continue;
        const key = `${text}:${o.start}:${o.end}`;
        byPosition.set(key, [...(byPosition.get(key) ?? []), { text, ...o, label: s.label, id: s.id }]);
      }
    }
  }
  // The same word of the same sentence claimed by synsets of different supersenses is ambiguous: drop it.
  let conflicting = 0;
  /** @type {Occurrence[]} */
  const occurrences = [];
  for (const list of byPosition.values()) {
    if (new Set(list.map((o) => o.label)).size > 1) conflicting++;
    else occurrences.push(list[0]);
  }
  // Keep lemmas seen in ≥ 2 supersenses among the occurrences: otherwise the word alone gives the answer.
  /** @type {Map<string, Set<string>>} */
  const labelsOfLemma = new Map();
  for (const o of occurrences) labelsOfLemma.set(o.lemma, (labelsOfLemma.get(o.lemma) ?? new Set()).add(o.label));
  const kept = occurrences.filter((o) => (labelsOfLemma.get(o.lemma)?.size ?? 0) >= 2);

  // Split by distinct sentence, so that no sentence is in both splits.
  const sentences = [...new Set(kept.map((o) => o.text))].sort();
  const order = new Rng(SPLIT_SEED).permutation(sentences.length);
  const testSentences = new Set(order.slice(0, Math.round(TEST_FRACTION * sentences.length)).map((i) => sentences[i]));
  const train = kept.filter((o) => !testSentences.has(o.text));
  const trainLemmas = new Set(train.map((o) => o.lemma));
  const testAll = kept.filter((o) => testSentences.has(o.text));
  // A test lemma never seen in training has no sense boundary to learn: those rows are dropped (counted).
  const test = testAll.filter((o) => trainLemmas.has(o.lemma));
  const sortKey = (/** @type {Occurrence} */ o) => `${o.text}\u0000${String(o.start).padStart(4, '0')}`;
  const sorted = (/** @type {Occurrence[]} */ rows) => [...rows].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  return {
    train: sorted(train),
    test: sorted(test),
    stats: {
      synsets: synsets.length,
      occurrences: occurrences.length + conflicting,
      conflicting,
      lemmas: new Set(kept.map((o) => o.lemma)).size,
      sentences: sentences.length,
      testSentences: testSentences.size,
      testUnseenLemmaRows: testAll.length - test.length,
    },
  };
}

/**
 * One JSON object per line.
 * @param {Occurrence[]} rows
 */
function toJsonl(rows) {
  return rows.map((o) => JSON.stringify({ text: o.text, start: o.start, end: o.end, lemma: o.lemma, label: o.label, id: o.id })).join('\n') + '\n';
}

function main() {
  if (!fs.existsSync(path.join(WORDNET, 'data.noun'))) {
    console.log('WordNet not found under /usr/share/wordnet: installing the Debian package wordnet-base');
    execSync('apt-get update && apt-get -o DPkg::Lock::Timeout=600 install -y wordnet-base', { stdio: 'inherit' });
  }
  const { train, test, stats } = buildSenseTask(WORDNET);
  fs.writeFileSync(path.join(OUT, 'train.jsonl'), toJsonl(train));
  fs.writeFileSync(path.join(OUT, 'test.jsonl'), toJsonl(test));
  console.log(JSON.stringify({ ...stats, train: train.length, test: test.length }));
  const count = (/** @type {Occurrence[]} */ rows) => rows.reduce((m, o) => m.set(o.label, (m.get(o.label) ?? 0) + 1), new Map());
  const tr = count(train);
  const te = count(test);
  for (const label of [...new Set([...tr.keys(), ...te.keys()])].sort()) console.log(`${label}\t${tr.get(label) ?? 0}\t${te.get(label) ?? 0}`);
}

module.exports = { buildSenseTask, toJsonl, usageExamples, baseForms, occurrencesIn, WORDNET };

if (require.main === module) main();
