#!/usr/bin/env node
// @ts-check
/**
 * Regenerates datasets/wordnet-glosses/ from Debian's WordNet 3.0 (package wordnet-base):
 * train.jsonl, test.jsonl (noun and verb definitions labelled with their supersense)
 * and wordnet-bpe.tiktoken (a byte-level BPE trained on train.jsonl). See README.md.
 *
 * Run from the package root after a build:  npm run build && node datasets/wordnet-glosses/make.js
 * Installs wordnet-base with apt-get when /usr/share/wordnet is missing (needs root).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { execSync } = require('child_process');
const { Rng } = require('../../dist/src/util/rng');
const { trainByteLevelBpe } = require('../../dist/src/data/tokenizer-train');
const { formatTiktokenRanks, GPT2_SPLIT_PATTERN } = require('../../dist/src/data/tokenizer-ranks');

const WORDNET = '/usr/share/wordnet';
const LEXNAMES_MAN = '/usr/share/man/man5/lexnames.5WN.gz';
const OUT = __dirname;
const SEED = 0;
/** At most this many synsets per supersense (smaller classes are kept whole). */
const CAP_PER_LABEL = 1000;
/** Share of each supersense's selected synsets that goes to the test split. */
const TEST_FRACTION = 0.2;
/** BPE ranks to train: 8,187 ranks + 5 specials = 8,192 ids at most. */
const BPE_RANKS = 8192 - 5;

/**
 * WordNet 3.0 lexicographer file numbers → names (lexnames(5WN)). The Debian package
 * ships this table in the man page but not the `lexnames` file itself; when the man page
 * is present it is checked against this copy.
 */
const LEXNAMES = [
  'adj.all', 'adj.pert', 'adv.all', 'noun.Tops', 'noun.act', 'noun.animal', 'noun.artifact', 'noun.attribute',
  'noun.body', 'noun.cognition', 'noun.communication', 'noun.event', 'noun.feeling', 'noun.food', 'noun.group',
  'noun.location', 'noun.motive', 'noun.object', 'noun.person', 'noun.phenomenon', 'noun.plant', 'noun.possession',
  'noun.process', 'noun.quantity', 'noun.relation', 'noun.shape', 'noun.state', 'noun.substance', 'noun.time',
  'verb.body', 'verb.change', 'verb.cognition', 'verb.communication', 'verb.competition', 'verb.consumption',
  'verb.contact', 'verb.creation', 'verb.emotion', 'verb.motion', 'verb.perception', 'verb.possession', 'verb.social',
  'verb.stative', 'verb.weather', 'adj.ppl',
];

function ensureWordnet() {
  if (fs.existsSync(path.join(WORDNET, 'data.noun'))) return;
  console.log('WordNet not found under /usr/share/wordnet: installing the Debian package wordnet-base');
  execSync('apt-get update && apt-get -o DPkg::Lock::Timeout=600 install -y wordnet-base', { stdio: 'inherit' });
}

function checkLexnamesAgainstManPage() {
  if (!fs.existsSync(LEXNAMES_MAN)) return;
  const man = zlib.gunzipSync(fs.readFileSync(LEXNAMES_MAN)).toString('utf8');
  for (const m of man.matchAll(/^(\d\d)\t(\S+)\s*\t/gm)) {
    if (LEXNAMES[Number(m[1])] !== m[2]) throw new Error(`lexnames mismatch at ${m[1]}: man page says ${m[2]}`);
  }
}

/**
 * The definition part of a gloss: everything before the first quoted example.
 * @param {string} gloss
 */
function definitionOf(gloss) {
  const cut = gloss.search(/(^|[;:,])\s*"/);
  return (cut < 0 ? gloss : gloss.slice(0, cut)).trim().replace(/[;\s]+$/, '');
}

/** @typedef {{ id: string, lemma: string, text: string, label: string }} Synset */

/**
 * Synsets of one data.POS file.
 * @param {'noun' | 'verb'} pos
 * @returns {Synset[]}
 */
function readSynsets(pos) {
  const lines = fs.readFileSync(path.join(WORDNET, `data.${pos}`), 'utf8').split('\n');
  const out = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('  ')) continue; // licence header lines start with two spaces
    const bar = line.indexOf(' | ');
    const fields = line.slice(0, bar).split(' ');
    const [offset, lexFile, ssType, wordCountHex, firstWord] = fields;
    const label = LEXNAMES[Number(lexFile)];
    if (!label || !label.startsWith(`${pos}.`)) throw new Error(`unexpected lexicographer file ${lexFile} in data.${pos}`);
    if (parseInt(wordCountHex, 16) < 1) throw new Error(`synset ${offset} has no word`);
    const text = definitionOf(line.slice(bar + 3));
    if (text === '') continue;
    out.push({ id: `${ssType}${offset}`, lemma: firstWord.replace(/_/g, ' '), text, label });
  }
  return out;
}

function main() {
  ensureWordnet();
  checkLexnamesAgainstManPage();
  const all = [...readSynsets('noun'), ...readSynsets('verb')];
  // Identical definitions would leak between splits: keep the first synset with each text.
  const seen = new Set();
  const unique = all.filter((s) => (seen.has(s.text) ? false : (seen.add(s.text), true)));
  /** @type {Map<string, Synset[]>} */
  const byLabel = new Map();
  for (const s of unique) byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), s]);
  const labels = [...byLabel.keys()].sort();

  const rng = new Rng(SEED);
  /** @type {Synset[]} */
  const train = [];
  /** @type {Synset[]} */
  const test = [];
  const stats = [];
  for (const label of labels) {
    const synsets = byLabel.get(label) ?? [];
    const chosen = rng.permutation(synsets.length).slice(0, CAP_PER_LABEL).map((i) => synsets[i]);
    const nTest = Math.max(1, Math.round(TEST_FRACTION * chosen.length));
    test.push(...chosen.slice(0, nTest));
    train.push(...chosen.slice(nTest));
    stats.push({ label, available: synsets.length, train: chosen.length - nTest, test: nTest });
  }
  /** @param {Synset[]} rows */
  const shuffled = (rows) => rng.permutation(rows.length).map((i) => rows[i]);
  /** @param {Synset[]} rows */
  const toJsonl = (rows) => rows.map((r) => JSON.stringify({ text: r.text, label: r.label, id: r.id, lemma: r.lemma })).join('\n') + '\n';
  fs.writeFileSync(path.join(OUT, 'train.jsonl'), toJsonl(shuffled(train)));
  fs.writeFileSync(path.join(OUT, 'test.jsonl'), toJsonl(shuffled(test)));

  const t0 = Date.now();
  const tokens = trainByteLevelBpe(train.map((r) => r.text), { numTokens: BPE_RANKS, pattern: GPT2_SPLIT_PATTERN });
  fs.writeFileSync(path.join(OUT, 'wordnet-bpe.tiktoken'), formatTiktokenRanks(tokens));

  console.log(`synsets read: ${all.length}, after removing repeated definitions: ${unique.length}`);
  console.log(`train ${train.length}, test ${test.length}, labels ${labels.length}`);
  console.log(`BPE: ${tokens.length} ranks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log('label\tavailable\ttrain\ttest');
  for (const s of stats) console.log(`${s.label}\t${s.available}\t${s.train}\t${s.test}`);
}

module.exports = { LEXNAMES, definitionOf };

if (require.main === module) main();
