/**
 * The word-sense-in-context task: the committed data (target spans that tokenise to
 * the target word, sentences never in two splits, labels among the noun/verb
 * supersenses, equal to a fresh build from WordNet when WordNet is installed), the
 * span arithmetic, pooling at the word (context-free vs attention), the context-free
 * baselines, the seeded subset, an in-memory encoder probed exactly as `probe` probes the
 * same random init, and the error for an unknown task.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import * as fc from 'fast-check';
import { loadWordnetSenses, readSenseExamples, wordnetSensesDir, SenseExample } from '../../../src/data/sense-dataset';
import { loadWordnetGlosses } from '../../../src/data/text-dataset';
import { wordnetBpeTokenizer } from '../../../src/data/tokenizer-presets';
import { wordTokenSpan, windowAroundSpan } from '../../../src/modalities/text/word-span';
import { loadSenseData, senseBaselines, senseSubset } from '../../../src/modalities/text/sense-data';
import { MaskedLanguageModel } from '../../../src/modalities/text/masked-lm';
import { textV1Recipe } from '../../../src/modalities/text/recipe-v1';
import { TextV1Config } from '../../../src/modalities/text/presets-v1';
import { documentFeatures } from '../../../src/modalities/text/document-features';
import { TextEncoderV1 } from '../../../src/modalities/text/encoder-v1';
import { probe, probeEncoder } from '../../../src/run/probe';
import { Rng } from '../../../src/util/rng';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const make = require(path.join(wordnetSensesDir(), 'make.js')) as {
  buildSenseTask(dir: string): { train: SenseExample[]; test: SenseExample[] };
  toJsonl(rows: SenseExample[]): string;
  WORDNET: string;
};

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const SUPERSENSES = /^(noun\.(Tops|act|animal|artifact|attribute|body|cognition|communication|event|feeling|food|group|location|motive|object|person|phenomenon|plant|possession|process|quantity|relation|shape|state|substance|time)|verb\.(body|change|cognition|communication|competition|consumption|contact|creation|emotion|motion|perception|possession|social|stative|weather))$/;

describe('word sense in context (WordNet senses)', function () {
  this.timeout(120000);
  const senses = loadWordnetSenses();
  const tokenizer = wordnetBpeTokenizer();

  it('committed data: every target span tokenises to exactly the target word, labels are supersenses', () => {
    for (const e of [...senses.train, ...senses.test]) {
      const word = e.text.slice(e.start, e.end);
      expect(word, e.text).to.match(/^[A-Za-z]+$/);
      const { ids, span } = wordTokenSpan(tokenizer, e.text, e.start, e.end);
      expect(tokenizer.decode(ids.slice(span.first, span.last)).trim()).to.equal(word);
      expect(e.label).to.match(SUPERSENSES);
    }
  });

  it('committed data: no sentence in both splits, every test lemma seen in train, every lemma in ≥ 2 supersenses, no sentence is pretraining text', () => {
    const trainText = new Set(senses.train.map((e) => e.text));
    expect(senses.test.filter((e) => trainText.has(e.text))).to.deep.equal([]);
    const trainLemmas = new Set(senses.train.map((e) => e.lemma));
    expect(senses.test.every((e) => trainLemmas.has(e.lemma))).to.equal(true);
    const labelsOf = new Map<string, Set<string>>();
    for (const e of [...senses.train, ...senses.test]) labelsOf.set(e.lemma, (labelsOf.get(e.lemma) ?? new Set()).add(e.label));
    expect([...labelsOf.values()].every((s) => s.size >= 2)).to.equal(true);
    const glosses = loadWordnetGlosses();
    const definitions = new Set([...glosses.train, ...glosses.test].map((d) => d.text));
    expect([...senses.train, ...senses.test].filter((e) => definitions.has(e.text))).to.deep.equal([]);
    expect(senses.train.length).to.be.greaterThan(5000);
    expect(senses.test.length).to.be.greaterThan(1000);
  });

  it('committed files equal a fresh build from WordNet 3.0 (skipped without /usr/share/wordnet outside CI)', function () {
    if (!fs.existsSync(path.join(make.WORDNET, 'data.noun'))) {
      if (process.env.CI === 'true') throw new Error(`${make.WORDNET} is missing; install the Debian package wordnet-base (.ci/run does).`);
      this.skip();
    }
    const built = make.buildSenseTask(make.WORDNET);
    for (const split of ['train', 'test'] as const) {
      expect(make.toJsonl(built[split]) === fs.readFileSync(path.join(wordnetSensesDir(), `${split}.jsonl`), 'utf8'), split).to.equal(true);
    }
  });

  it('a malformed row is refused naming the file, line and field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'senses-'));
    const file = path.join(dir, 'train.jsonl');
    fs.writeFileSync(file, '{"text":"he sat on the bank","start":14,"end":18,"lemma":"bank","label":"noun.object","id":"n1"}\n{"text":"ab","start":1,"end":9,"lemma":"a","label":"x","id":"n2"}\n');
    expect(() => readSenseExamples(file)).to.throw(`${file} line 2: field "end" is invalid`);
    expect(() => readSenseExamples(path.join(dir, 'none.jsonl'))).to.throw(/^cannot read the sense task file .*none\.jsonl: /);
  });

  it('wordTokenSpan: any word of any sentence maps to whole tokens that decode to it; windows keep the span', () => {
    const words = ['bank', 'river', 'the', 'sat', 'developed', 'a', 'x', 'Quattrocento', 'photosynthesis', 'go'];
    fc.assert(fc.property(
      fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 30 }), fc.nat(), fc.constantFrom(' ', '  ', ', ', ' (', '"'),
      (sentence, pick, sep) => {
        const k = pick % sentence.length;
        const text = sentence.join(sep) + '.';
        const start = sentence.slice(0, k).reduce((n, w) => n + w.length + sep.length, 0);
        const end = start + sentence[k].length;
        const { ids, span } = wordTokenSpan(tokenizer, text, start, end);
        expect(tokenizer.decode(ids.slice(span.first, span.last)).trim()).to.equal(sentence[k]);
        const cut = windowAroundSpan(ids, span, 12);
        expect(cut.ids.length).to.equal(Math.min(ids.length, 12));
        expect(cut.ids.slice(cut.span.first, cut.span.last)).to.deep.equal(ids.slice(span.first, span.last));
      }), { numRuns: 200, seed: 7 });
    // "the" inside "other" (one token) is not a word of its own
    expect(() => wordTokenSpan(tokenizer, 'other', 2, 5)).to.throw('does not map to whole');
  });

  it('pooling at the word: a context-free encoder ignores the other words, an attention encoder does not', async () => {
    const examples = (other: string): SenseExample[] => [
      { text: `the ${other} sat on the bank today`, start: 4 + other.length + 12, end: 4 + other.length + 16, lemma: 'bank', label: 'noun.object', id: 'a' },
      { text: `a long ${other} bank`, start: 8 + other.length, end: 12 + other.length, lemma: 'bank', label: 'noun.group', id: 'b' },
    ];
    const dataA = loadSenseData(tokenizer, { train: examples('man'), test: examples('man') });
    const dataB = loadSenseData(tokenizer, { train: examples('dog'), test: examples('dog') });
    expect(dataA.train.documents[0].text.slice(examples('man')[0].start, examples('man')[0].end)).to.equal('bank');
    const table = tf.tensor2d(new Rng(3).normalArray(tokenizer.vocabSize * 8), [tokenizer.vocabSize, 8]);
    const lookup = (tokens: tf.Tensor2D) => tf.gather(table, tokens);
    const opts = { maxLength: 64, batchSize: 2 };
    const fa = await documentFeatures(lookup, dataA, 'train', opts);
    const fb = await documentFeatures(lookup, dataB, 'train', opts);
    expect(Array.from(fa.x)).to.deep.equal(Array.from(fb.x));
    // the feature is the mean of the word's token embeddings, exactly
    const { ids, span } = wordTokenSpan(tokenizer, dataA.train.documents[1].text, examples('man')[1].start, examples('man')[1].end);
    const expected = tf.tidy(() => tf.mean(tf.gather(table, ids.slice(span.first, span.last)), 0).dataSync());
    Array.from(expected).forEach((v, j) => expect(fa.x[8 + j]).to.be.closeTo(v, 1e-6));
    const enc = new TextEncoderV1({ vocabSize: tokenizer.vocabSize, padIdx: 1, dim: 16, depth: 2, heads: 2, ffnDim: 32, maxPositions: 64, dropout: 0, attnDropout: 0, activationDropout: 0, layerdrop: 0, eps: 1e-5 }, new Rng(0)).eval();
    const attend = (tokens: tf.Tensor2D) => enc.forward(tokens).out;
    const ga = await documentFeatures(attend, dataA, 'train', opts);
    const gb = await documentFeatures(attend, dataB, 'train', opts);
    const diff = Array.from(ga.x).reduce((m, v, i) => Math.max(m, Math.abs(v - gb.x[i])), 0);
    expect(diff).to.be.greaterThan(1e-3);
    table.dispose();
    enc.dispose();
  });

  it('context-free baselines: the most frequent sense overall and per lemma, on hand-made rows', () => {
    const row = (lemma: string, label: string): SenseExample => ({ text: lemma, start: 0, end: lemma.length, lemma, label, id: '' });
    const train = [row('bank', 'noun.object'), row('bank', 'noun.object'), row('bank', 'noun.group'), row('run', 'verb.motion'), row('run', 'verb.social'), row('run', 'verb.social')];
    const test = [row('bank', 'noun.object'), row('bank', 'noun.group'), row('run', 'verb.social'), row('run', 'verb.motion')];
    // overall majority: noun.object (2) ties verb.social (2) → noun.object first in sorted order: 1 of 4 right
    expect(senseBaselines(train, test)).to.deep.equal({ majority: 0.25, lemma_majority: 0.5 });
  });

  it('an unknown task or the sense task on images is one clear error (API and CLI)', async () => {
    await probe({ randomInit: true, modality: 'text', task: 'topics' as never }).then(
      () => expect.fail('accepted an unknown task'),
      (e: Error) => expect(e.message).to.equal('unknown probe task "topics"; choose one of labels, sense.'),
    );
    await probe({ randomInit: true, modality: 'image', task: 'sense' }).then(
      () => expect.fail('accepted the sense task on images'),
      (e: Error) => expect(e.message).to.match(/^the sense task reads words in sentences, so it needs a text model, not image/),
    );
    const r = spawnSync(process.execPath, [CLI, 'probe', '--modality', 'text', '--random-init', '--task', 'topics'], { encoding: 'utf8', env: { ...process.env, D2V_BACKEND: 'wasm' } });
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.match(/--task <name>' argument 'topics' is invalid\. Allowed choices are labels, sense\./);
  });
  it('senseSubset: the asked number of rows per split, in file order, the same for a seed and different for another; bad sizes refused', () => {
    const all = loadWordnetSenses();
    const a = senseSubset(all, { train: 300, test: 100 }, 0);
    expect([a.train.length, a.test.length]).to.deep.equal([300, 100]);
    const position = new Map(all.train.map((e, i) => [e, i]));
    const order = a.train.map((e) => position.get(e)!);
    expect(order.every((p, i) => p !== undefined && (i === 0 || p > order[i - 1]))).to.equal(true);
    expect(senseSubset(all, { train: 300, test: 100 }, 0)).to.deep.equal(a);
    expect(senseSubset(all, { train: 300 }, 1).train).to.not.deep.equal(a.train);
    expect(senseSubset(all, { train: 300 }, 0).test).to.equal(all.test);
    expect(senseSubset(all, { test: 1e9 }, 0).test).to.equal(all.test);
    expect(() => senseSubset(all, { train: 0 }, 0)).to.throw('senseSubset.train is 0; it must be a positive whole number of occurrences (or absent for the whole split).');
  });

  it('probeEncoder on an encoder in memory gives what probe --random-init gives for the same encoder, on the same subset; the top-1 mean is the final output', async function () {
    this.timeout(120_000);
    const senseSubsetSizes = { train: 400, test: 150 };
    const linear = { weightDecay: 1e-2 };
    const config = textV1Recipe.config('tiny') as TextV1Config;
    const mlm = new MaskedLanguageModel(config);
    try {
      const inMemory = await probeEncoder(mlm.encoder, config, { task: 'sense', senseSubset: senseSubsetSizes, linear });
      const fromCli = await probe({ randomInit: true, modality: 'text', task: 'sense', senseSubset: senseSubsetSizes, linear });
      expect([inMemory.n_train, inMemory.n_test, inMemory.layer]).to.deep.equal([400, 150, 'final']);
      expect(inMemory.accuracy).to.be.within(0, 1);
      expect([inMemory.accuracy, inMemory.knn_accuracy, inMemory.train_accuracy]).to.deep.equal([fromCli.accuracy, fromCli.knn_accuracy, fromCli.train_accuracy]);
      expect(inMemory.baselines).to.deep.equal(fromCli.baselines);
      // the encoder's output is its last block's output, so the mean of the top 1 block is the final output
      const top1 = await probeEncoder(mlm.encoder, config, { task: 'sense', senseSubset: senseSubsetSizes, linear, layers: 'top', topK: 1 });
      expect([top1.layer, top1.accuracy, top1.knn_accuracy]).to.deep.equal(['top1', inMemory.accuracy, inMemory.knn_accuracy]);
      const top2 = await probeEncoder(mlm.encoder, config, { task: 'sense', senseSubset: senseSubsetSizes, linear, layers: 'top', topK: 2 });
      expect([top2.layer, top2.n_test, top2.dim]).to.deep.equal(['top2', 150, config.model.dim]);
      expect(top2.train_accuracy).to.not.equal(inMemory.train_accuracy);
    } finally {
      mlm.dispose();
    }
    await probeEncoder(mlm.encoder, textV1Recipe.config('tiny'), { task: 'labels', senseSubset: { test: 10 } }).then(
      () => expect.fail('accepted senseSubset on the labels task'),
      (e: Error) => expect(e.message).to.equal("senseSubset cuts the sense task, but the task is labels; drop senseSubset or probe with task 'sense'."),
    );
  });
});
