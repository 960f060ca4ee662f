/**
 * Text data for the recipes (`--data`): the fixed 80/20 split of one file, folders with
 * both splits, labels from JSONL, and the one-sentence errors (no labels to probe,
 * partly labelled corpora, missing paths).
 */
import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'chai';
import { loadTextData, requireLabels, splitDocuments } from '../../../src/modalities/text/text-data';
import { tempDirFixture } from '../../helpers/temp-dir';

const TOKENIZER = { name: 'wordnet-bpe', vocabSize: 1024 };

describe('text data', () => {
  const dir = tempDirFixture('d2v-text-');

  it('splits one labelled JSONL file 80/20 by a fixed permutation, independent of the run', () => {
    const file = path.join(dir.path, 'labelled.jsonl');
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `gloss number ${i} about ${i % 2 ? 'animals' : 'time'}`, label: i % 2 ? 'noun.animal' : 'noun.time' }));
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const a = loadTextData({ data: file, tokenizer: TOKENIZER });
    const b = loadTextData({ data: file, tokenizer: TOKENIZER });
    expect(a.trainSize).to.equal(40);
    expect(a.testSize).to.equal(10);
    expect(a.labels).to.deep.equal(['noun.animal', 'noun.time']);
    expect(a.numClasses).to.equal(2);
    expect(b.test.documents.map((d) => d.text)).to.deep.equal(a.test.documents.map((d) => d.text));
    const trainTexts = new Set(a.train.documents.map((d) => d.text));
    expect(a.test.documents.some((d) => trainTexts.has(d.text))).to.equal(false);
    a.test.documents.forEach((d, i) => {
      expect(a.labels[a.test.labels![i]]).to.equal(d.label);
      expect(a.tokenizer.decode(a.test.ids[i])).to.equal(d.text);
    });
    expect(a.describe).to.contain('40 train / 10 test documents').and.contain('2 labels');
  });

  it('keeps at least one test document and none for a single document', () => {
    const docs = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `d${i}` }));
    expect(splitDocuments(docs(3)).test).to.have.length(1);
    expect(splitDocuments(docs(1)).test).to.have.length(0);
  });

  it('pretrains on plain text without labels, and probing it fails with one sentence', () => {
    const file = path.join(dir.path, 'plain.txt');
    fs.writeFileSync(file, Array.from({ length: 20 }, (_, i) => `line ${i} of plain text`).join('\n'));
    const data = loadTextData({ data: file, tokenizer: TOKENIZER });
    expect(data.numClasses).to.equal(0);
    expect(data.train.labels).to.equal(undefined);
    expect(() => requireLabels(data, 'train')).to.throw(`${file} has no "label" field on its documents, so there is nothing to probe`);
  });

  it('rejects a corpus where only some documents carry a label', () => {
    const file = path.join(dir.path, 'partial.jsonl');
    fs.writeFileSync(file, '{"text": "a", "label": "x"}\n{"text": "b"}\n{"text": "c", "label": "y"}\n');
    expect(() => loadTextData({ data: file, tokenizer: TOKENIZER })).to.throw(`${file}: 1 of 3 documents have no "label" field`);
  });

  it('reads a folder with train.jsonl and test.jsonl as given, and names a missing split', () => {
    const folder = path.join(dir.path, 'splits');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'train.jsonl'), '{"text": "one", "label": "a"}\n{"text": "two", "label": "b"}\n{"text": "three", "label": "a"}\n');
    expect(() => loadTextData({ data: folder, tokenizer: TOKENIZER })).to.throw(`the text folder ${folder} has no test.jsonl or test.txt`);
    fs.writeFileSync(path.join(folder, 'test.jsonl'), '{"text": "four", "label": "b"}\n');
    const data = loadTextData({ data: folder, tokenizer: TOKENIZER });
    expect(data.train.documents.map((d) => d.text)).to.deep.equal(['one', 'two', 'three']);
    expect(Array.from(data.test.labels!)).to.deep.equal([1]);
  });

  it('names a --data path that does not exist', () => {
    const missing = path.join(dir.path, 'nope.txt');
    expect(() => loadTextData({ data: missing, tokenizer: TOKENIZER })).to.throw(`--data ${missing} does not exist`);
  });

  it('loads the bundled glosses with 41 supersense labels by default', function () {
    this.timeout(30_000);
    const data = loadTextData({ tokenizer: TOKENIZER });
    expect(data.numClasses).to.equal(41);
    expect(data.labels.filter((l) => l.startsWith('noun.'))).to.have.length(26);
    expect(data.trainSize).to.equal(25433);
    expect(data.testSize).to.equal(6356);
  });
});
