/**
 * Text corpus reading (`--data FILE`) and the bundled WordNet gloss set: formats, skipped
 * lines, one-sentence errors naming file and line, and the bundled split's exact shape.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { labelIds, loadWordnetGlosses, readTextCorpus, wordnetGlossesDir } from '../../src/data/text-dataset';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'text-dataset-'));
/** Write `content` to a temporary file and return its path. */
function file(name: string, content: string | Uint8Array): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

describe('text-dataset', () => {
  describe('plain text, one document per line', () => {
    it('trims lines, accepts CRLF and a BOM, and skips (and counts) empty lines', () => {
      const p = file('plain.txt', '\uFEFFfirst doc\r\n\r\n   \n  second  doc \nthird\n');
      const corpus = readTextCorpus(p);
      expect(corpus.format).to.equal('lines');
      expect(corpus.documents).to.deep.equal([{ text: 'first doc' }, { text: 'second  doc' }, { text: 'third' }]);
      expect(corpus.skippedEmpty).to.equal(2);
      expect(corpus.labels).to.deep.equal([]);
    });

    it('keeps non-ASCII text exactly', () => {
      const p = file('unicode.txt', 'naïve café 日本語 😀\n');
      expect(readTextCorpus(p).documents[0].text).to.equal('naïve café 日本語 😀');
    });

    it('reads a .txt file holding JSON lines as plain text (the format follows the extension)', () => {
      const p = file('looks-like-json.txt', '{"text": "x"}\n');
      expect(readTextCorpus(p).documents).to.deep.equal([{ text: '{"text": "x"}' }]);
      expect(readTextCorpus(p, 'jsonl').documents).to.deep.equal([{ text: 'x' }]);
    });
  });

  describe('JSONL', () => {
    it('reads text and optional label (numbers become strings), ignores other fields', () => {
      const p = file(
        'docs.jsonl',
        ['{"text": " a dog ", "label": "noun.animal", "id": 7}', '', '{"text": "run", "label": 3}', '{"text": "no label"}', '{"text": "   "}'].join('\n'),
      );
      const corpus = readTextCorpus(p);
      expect(corpus.format).to.equal('jsonl');
      expect(corpus.documents).to.deep.equal([{ text: 'a dog', label: 'noun.animal' }, { text: 'run', label: '3' }, { text: 'no label' }]);
      expect(corpus.labels).to.deep.equal(['3', 'noun.animal']);
      expect(corpus.skippedEmpty).to.equal(2);
    });

    it('names file and line for a line that is not JSON', () => {
      const p = file('bad-json.jsonl', '{"text": "ok"}\n{"text": "oops"\n');
      expect(() => readTextCorpus(p)).to.throw(`${p} line 2 is not valid JSON`);
    });

    it('names file and line for a line without a string "text"', () => {
      const p = file('no-text.jsonl', '{"text": "ok"}\n\n\n{"body": "x"}\n');
      expect(() => readTextCorpus(p)).to.throw(`${p} line 4 has no string "text" field`);
      const q = file('text-number.jsonl', '{"text": 5}\n');
      expect(() => readTextCorpus(q)).to.throw(`${q} line 1 has no string "text" field`);
    });

    it('names file and line for a line that is JSON but not an object, or a bad label', () => {
      const p = file('array.ndjson', '{"text": "ok"}\n["text"]\n');
      expect(() => readTextCorpus(p)).to.throw(`${p} line 2 is not a JSON object`);
      const q = file('label.jsonl', '{"text": "ok", "label": ["a"]}\n');
      expect(() => readTextCorpus(q)).to.throw(`${q} line 1 has a "label" that is neither a string nor a number`);
    });
  });

  describe('bad files', () => {
    it('names file and line of the first bytes that are not UTF-8', () => {
      const bytes = Buffer.concat([Buffer.from('good line\nstill good é\n'), Buffer.from([0x62, 0xff, 0x61]), Buffer.from('\nlast\n')]);
      const p = file('latin.txt', bytes);
      expect(() => readTextCorpus(p)).to.throw(`${p} line 3 is not valid UTF-8 (the line starts at byte 24)`);
      // A truncated multi-byte sequence at the very end of the file.
      const q = file('truncated.txt', Buffer.concat([Buffer.from('a\nb\n'), Buffer.from([0xe6, 0x97])]));
      expect(() => readTextCorpus(q)).to.throw(`${q} line 3 is not valid UTF-8`);
    });

    it('rejects an empty file and one with only blank lines, naming the file', () => {
      const p = file('empty.txt', '');
      expect(() => readTextCorpus(p)).to.throw(`${p} has no document (it is empty or every line is blank)`);
      const q = file('blank.jsonl', '\n  \n\n');
      expect(() => readTextCorpus(q)).to.throw(`${q} has no document`);
    });

    it('names a missing file', () => {
      const p = path.join(dir, 'missing.txt');
      expect(() => readTextCorpus(p)).to.throw(`cannot read the text file ${p}: it does not exist (ENOENT); check the --data path.`);
    });
  });

  describe('labelIds', () => {
    it('maps labels to indices of the sorted label list, or of a given list', () => {
      const docs = [
        { text: 'a', label: 'z' },
        { text: 'b', label: 'm' },
        { text: 'c', label: 'z' },
      ];
      expect(labelIds(docs)).to.deep.equal({ ids: Int32Array.from([1, 0, 1]), labels: ['m', 'z'] });
      expect(labelIds(docs, ['z', 'm', 'q']).ids).to.deep.equal(Int32Array.from([0, 1, 0]));
      expect(() => labelIds(docs, ['m'])).to.throw(/document 0 has label "z", which is not among the 1 known labels/);
      expect(() => labelIds([{ text: 'x' }], ['m'])).to.throw(/document 0 has no label/);
    });
  });

  describe('bundled WordNet glosses', () => {
    const glosses = loadWordnetGlosses();
    const nounSupersenses = [
      'Tops', 'act', 'animal', 'artifact', 'attribute', 'body', 'cognition', 'communication', 'event', 'feeling', 'food',
      'group', 'location', 'motive', 'object', 'person', 'phenomenon', 'plant', 'possession', 'process', 'quantity',
      'relation', 'shape', 'state', 'substance', 'time',
    ].map((s) => `noun.${s}`);
    const verbSupersenses = [
      'body', 'change', 'cognition', 'communication', 'competition', 'consumption', 'contact', 'creation', 'emotion',
      'motion', 'perception', 'possession', 'social', 'stative', 'weather',
    ].map((s) => `verb.${s}`);

    it('is found from the compiled code and holds the README and the BPE table', () => {
      expect(fs.existsSync(path.join(wordnetGlossesDir(), 'README.md'))).to.equal(true);
      expect(fs.existsSync(path.join(wordnetGlossesDir(), 'wordnet-bpe.tiktoken'))).to.equal(true);
    });

    it('has the 26 noun and 15 verb supersenses and the documented split sizes', () => {
      expect(glosses.labels).to.deep.equal([...nounSupersenses, ...verbSupersenses].sort());
      expect(glosses.train.length).to.equal(25433);
      expect(glosses.test.length).to.equal(6356);
      for (const split of [glosses.train, glosses.test]) {
        expect(new Set(split.map((d) => d.label)).size).to.equal(41);
        expect(split.every((d) => d.text.length > 0 && d.text === d.text.trim())).to.equal(true);
      }
    });

    it('is stratified: each supersense puts round(20 %) of its rows (at least 1) in test, at most 1,000 rows in all', () => {
      const count = (docs: typeof glosses.train, label: string) => docs.filter((d) => d.label === label).length;
      for (const label of glosses.labels) {
        const nTrain = count(glosses.train, label);
        const nTest = count(glosses.test, label);
        expect(nTrain + nTest).to.be.at.most(1000);
        expect(nTest, label).to.equal(Math.max(1, Math.round(0.2 * (nTrain + nTest))));
      }
      expect([count(glosses.train, 'noun.motive'), count(glosses.test, 'noun.motive')]).to.deep.equal([34, 8]);
      expect([count(glosses.train, 'noun.artifact'), count(glosses.test, 'noun.artifact')]).to.deep.equal([800, 200]);
    });

    it('shares no text between train and test, and repeats none', () => {
      const train = new Set(glosses.train.map((d) => d.text));
      expect(train.size).to.equal(glosses.train.length);
      expect(glosses.test.filter((d) => train.has(d.text))).to.deep.equal([]);
    });
  });
});
