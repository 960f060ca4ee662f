/**
 * Byte-level BPE tokenizers (spec §1.4): exact round trip on any Unicode text, ids equal
 * to tiktoken's reference encoder, fixed special ids that text never produces, the
 * configured vocabulary size, and the trainer against a direct implementation of
 * tiktoken's reference training loop.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import { FIRST_BPE_ID, type Tokenizer } from '../../src/data/tokenizer';
import {
  GPT2_SPLIT_PATTERN,
  formatTiktokenRanks,
  gpt2Ranks,
  parseTiktokenRanks,
  readTiktokenRanksFile,
  type BpeRanks,
} from '../../src/data/tokenizer-ranks';
import { trainByteLevelBpe } from '../../src/data/tokenizer-train';
import { HEAP_MERGE_FROM } from '../../src/data/tokenizer-bpe';
import { gpt2Tokenizer, loadTokenizer, trainTokenizer, wordnetBpeTokenizer, WORDNET_BPE_FILE } from '../../src/data/tokenizer-presets';
import { loadWordnetGlosses, wordnetGlossesDir } from '../../src/data/text-dataset';
import { Rng } from '../../src/util/rng';

const gpt2 = gpt2Tokenizer();
const wordnet = wordnetBpeTokenizer();
const glosses = loadWordnetGlosses();

/** Any sequence of Unicode code points (no lone surrogates: those are not valid UTF-8). */
const anyText = fc.string({ unit: 'binary', maxLength: 60 });
/** Text dense in what the split pattern treats specially: runs of spaces, contractions, digits, specials. */
const trickyText = fc.string({
  unit: fc.constantFrom(' ', '  ', '\n', '\t', '\r', '\u00a0', '\uFEFF', "'s", "'", 'a', 'Z', 'é', '1', '!', '😀', '日', '<s>', '<mask>', '<|endoftext|>'),
  maxLength: 30,
});

/** tiktoken's own encoder over a rank table (the reference for ids). */
function referenceEncoder(ranks: BpeRanks): Tiktoken {
  const bpe = `! 0 ${ranks.tokens.map((t) => Buffer.from(t).toString('base64')).join(' ')}`;
  return new Tiktoken({ pat_str: ranks.pattern, special_tokens: {}, bpe_ranks: bpe });
}

describe('tokenizer', () => {
  describe('round trip and reference ids', () => {
    for (const [name, tokenizer] of [
      ['gpt2', gpt2],
      ['wordnet-bpe', wordnet],
    ] as const) {
      it(`${name}: decode(encode(s)) === s for arbitrary Unicode strings`, () => {
        fc.assert(
          fc.property(fc.oneof(anyText, trickyText), (s) => {
            expect(tokenizer.decode(tokenizer.encode(s))).to.equal(s);
          }),
          { numRuns: 400 },
        );
      });
    }

    it('keeps a leading byte-order mark, and writes an unpaired surrogate (not valid Unicode) as U+FFFD', () => {
      for (const t of [gpt2, wordnet] as Tokenizer[]) {
        expect(t.decode(t.encode('\uFEFFabc'))).to.equal('\uFEFFabc');
        expect(t.decode([t.specials.bos, ...t.encode('\uFEFF')])).to.equal('<s>\uFEFF');
        expect(t.decode(t.encode('a\uD800b'))).to.equal('a\uFFFDb');
      }
    });

    it('gpt2: ids are js-tiktoken gpt2 ids shifted by the 4 leading specials', () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const reference = new Tiktoken(require('js-tiktoken/ranks/gpt2'));
      fc.assert(
        fc.property(fc.oneof(anyText, trickyText), (s) => {
          expect(gpt2.encode(s)).to.deep.equal(reference.encode(s, [], []).map((r) => r + FIRST_BPE_ID));
        }),
        { numRuns: 300 },
      );
      // Known GPT-2 ids: "Hello" 15496, " world" 995.
      expect(gpt2.encode('Hello world')).to.deep.equal([15496 + 4, 995 + 4]);
    });

    it('wordnet-bpe: ids equal tiktoken encoding over the same (truncated) table', () => {
      const ranks = readTiktokenRanksFile(path.join(wordnetGlossesDir(), WORDNET_BPE_FILE));
      const reference = referenceEncoder({ ...ranks, tokens: ranks.tokens.slice(0, wordnet.numBpeTokens) });
      const texts = glosses.test.slice(0, 300).map((d) => d.text);
      for (const t of texts) expect(wordnet.encode(t)).to.deep.equal(reference.encode(t).map((r) => r + FIRST_BPE_ID));
      fc.assert(
        fc.property(trickyText, (s) => {
          expect(wordnet.encode(s)).to.deep.equal(reference.encode(s).map((r) => r + FIRST_BPE_ID));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('pathological text', () => {
    /** Runs without whitespace, long enough that the merge queue (not the scan) encodes them. */
    const longRun = fc.string({ unit: fc.constantFrom('a', 'b', 'e', 'r', 't', 'x', 'é', '日', '😀', '!', '.', '-', '1', '0'), minLength: HEAP_MERGE_FROM, maxLength: 700 });

    it('long pieces (queue merge) give js-tiktoken gpt2 ids and wordnet-bpe reference ids', () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const reference = new Tiktoken(require('js-tiktoken/ranks/gpt2'));
      const ranks = readTiktokenRanksFile(path.join(wordnetGlossesDir(), WORDNET_BPE_FILE));
      const wordnetReference = referenceEncoder({ ...ranks, tokens: ranks.tokens.slice(0, wordnet.numBpeTokens) });
      fc.assert(
        fc.property(longRun, (s) => {
          expect(gpt2.encode(s)).to.deep.equal(reference.encode(s, [], []).map((r) => r + FIRST_BPE_ID));
          expect(wordnet.encode(s)).to.deep.equal(wordnetReference.encode(s).map((r) => r + FIRST_BPE_ID));
        }),
        { numRuns: 25 },
      );
      // one word of the same letter: every merge ties on rank, so the leftmost must win each time
      const same = 'a'.repeat(3001);
      expect(gpt2.encode(same)).to.deep.equal(reference.encode(same, [], []).map((r) => r + FIRST_BPE_ID));
    });

    it('a megabyte without whitespace (one word, punctuation, mixed scripts) encodes and round-trips without stalling', function () {
      // The scan over all pairs took 22 s for 32 kB of "abab…" (quadratic); the queue takes about 3 s for 1 MB on a loaded 2-core machine.
      this.timeout(60000);
      for (const text of ['ab'.repeat(500_000), '-'.repeat(100_000), 'x日é😀'.repeat(20_000)]) {
        const ids = gpt2.encode(text);
        expect(ids.length).to.be.below(Buffer.byteLength(text) + 1);
        expect(gpt2.decode(ids)).to.equal(text);
      }
    });
  });

  describe('special tokens', () => {
    it('have the fairseq dictionary ids, with <mask> last', () => {
      for (const t of [gpt2, wordnet] as Tokenizer[]) {
        expect(t.specials).to.deep.equal({ bos: 0, pad: 1, eos: 2, unk: 3, mask: t.vocabSize - 1 });
        expect(t.regularIds).to.deep.equal({ start: 4, end: t.vocabSize - 1 });
      }
      expect(gpt2.vocabSize).to.equal(50256 + 5);
    });

    it('never come out of plain text, even text that spells them', () => {
      const spelled = '<s></s><pad><unk><mask><|endoftext|>';
      for (const t of [gpt2, wordnet] as Tokenizer[]) {
        const ids = t.encode(spelled);
        expect(Math.min(...ids)).to.be.at.least(FIRST_BPE_ID);
        expect(ids).to.not.include(t.specials.mask);
        expect(t.decode(ids)).to.equal(spelled);
      }
      fc.assert(
        fc.property(fc.oneof(anyText, trickyText), (s) => {
          const { start, end } = wordnet.regularIds;
          for (const id of wordnet.encode(s)) expect(id >= start && id < end).to.equal(true);
        }),
        { numRuns: 200 },
      );
    });

    it('decode writes specials as text or skips them', () => {
      const { bos, eos, pad, mask } = wordnet.specials;
      const ids = [bos, ...wordnet.encode('a cat'), mask, ...wordnet.encode(' sat'), eos, pad];
      expect(wordnet.decode(ids)).to.equal('<s>a cat<mask> sat</s><pad>');
      expect(wordnet.decode(ids, { skipSpecials: true })).to.equal('a cat sat');
      expect(() => wordnet.decode([wordnet.vocabSize])).to.throw(/token id 4096 is outside the wordnet-bpe vocabulary \[0, 4096\)/);
    });
  });

  describe('vocabulary size', () => {
    it('is as configured: ids stay below it and <mask> is its last id', () => {
      for (const vocabSize of [261, 1000, 4096, 8192]) {
        const t = wordnetBpeTokenizer({ vocabSize });
        expect(t.vocabSize).to.equal(vocabSize);
        expect(t.specials.mask).to.equal(vocabSize - 1);
        const ids = glosses.test.slice(0, 200).flatMap((d) => t.encode(d.text));
        expect(Math.max(...ids)).to.be.below(vocabSize - 1);
      }
    });

    it('with only the 256 byte ranks, every UTF-8 byte is one token (id = byte + 4)', () => {
      const bytesOnly = wordnetBpeTokenizer({ vocabSize: 261 });
      expect(bytesOnly.encode('ab é')).to.deep.equal([97, 98, 32, 0xc3, 0xa9].map((b) => b + 4));
    });

    it('a larger vocabulary gives fewer tokens on the corpus', () => {
      const texts = glosses.test.slice(0, 500).map((d) => d.text);
      const count = (t: Tokenizer) => texts.reduce((n, s) => n + t.encode(s).length, 0);
      const [n1k, n4k, n8k] = [1024, 4096, 8192].map((v) => count(wordnetBpeTokenizer({ vocabSize: v })));
      expect(n1k).to.be.above(n4k);
      expect(n4k).to.be.above(n8k);
    });

    it('rejects sizes the table cannot give, naming the limits', () => {
      expect(() => wordnetBpeTokenizer({ vocabSize: 260 })).to.throw(/vocabSize 260 .* from 261 .* to 8192/);
      expect(() => wordnetBpeTokenizer({ vocabSize: 8193 })).to.throw(/vocabSize 8193/);
      expect(() => gpt2Tokenizer({ vocabSize: 100.5 })).to.throw(/vocabSize 100.5/);
    });
  });

  describe('loadTokenizer', () => {
    it('finds tokenizers by name or .tiktoken path and rejects unknown names', () => {
      expect(loadTokenizer('gpt2').vocabSize).to.equal(50261);
      expect(loadTokenizer('wordnet-bpe').vocabSize).to.equal(4096);
      const file = path.join(wordnetGlossesDir(), WORDNET_BPE_FILE);
      const fromFile = loadTokenizer(file, { vocabSize: 2000 });
      expect(fromFile.vocabSize).to.equal(2000);
      expect(fromFile.encode('a hardwood tree')).to.deep.equal(wordnetBpeTokenizer({ vocabSize: 2000 }).encode('a hardwood tree'));
      expect(() => loadTokenizer('bert')).to.throw(/unknown tokenizer "bert"; use gpt2, wordnet-bpe/);
    });
  });

  describe('rank files', () => {
    it('format and parse are inverse', () => {
      const tokens = [Uint8Array.of(0), Uint8Array.of(255), Uint8Array.of(0, 255, 7)];
      expect(parseTiktokenRanks(formatTiktokenRanks(tokens), 'x.tiktoken')).to.deep.equal(tokens);
    });

    it('bad files give errors naming file and line', () => {
      expect(() => parseTiktokenRanks('IQ== 0\nIg== 2\n', 'r.tiktoken')).to.throw(/r\.tiktoken line 2 has rank 2 but rank 1 was expected/);
      expect(() => parseTiktokenRanks('IQ== 0\nnot a line\n', 'r.tiktoken')).to.throw(/r\.tiktoken line 2 is not "base64 rank"/);
      expect(() => parseTiktokenRanks('IQ== 0\nIQ== 1\n', 'r.tiktoken')).to.throw(/r\.tiktoken line 2 repeats an earlier token/);
      expect(() => parseTiktokenRanks('\n\n', 'r.tiktoken')).to.throw(/r\.tiktoken holds no ranks/);
      expect(() => readTiktokenRanksFile('/nonexistent/x.tiktoken')).to.throw(/cannot read the BPE rank file \/nonexistent\/x\.tiktoken: it does not exist \(ENOENT\); check the path\./);
    });

    it('the GPT-2 table has 50,256 ranks, the bytes first', () => {
      const ranks = gpt2Ranks();
      expect(ranks.tokens.length).to.equal(50256);
      expect(new Set(ranks.tokens.slice(0, 256).map((t) => (t.length === 1 ? t[0] : -1))).size).to.equal(256);
      expect(ranks.pattern).to.equal(GPT2_SPLIT_PATTERN);
    });
  });

  describe('trainByteLevelBpe', () => {
    it('learns the merges worked out by hand', () => {
      // Pieces "abab", " abab", " ab". Counts: (a,b) 5 → "ab"; then ( ,ab) 2 ties (ab,ab) 2, smaller
      // left rank wins (32 < 256) → " ab"; then (ab,ab) 1 ties ( ab,ab) 1 → "abab"; then " abab"; then nothing.
      const tokens = trainByteLevelBpe(['abab abab ab'], { numTokens: 300, pattern: GPT2_SPLIT_PATTERN });
      const text = (t: Uint8Array) => Buffer.from(t).toString('latin1');
      expect(tokens.slice(256).map(text)).to.deep.equal(['ab', ' ab', 'abab', ' abab']);
      expect(tokens.slice(0, 256).map((t) => t[0])).to.deep.equal(Array.from({ length: 256 }, (_, i) => i));
    });

    it('equals a direct implementation of tiktoken’s reference loop on random corpora', () => {
      for (let seed = 0; seed < 6; seed++) {
        const texts = randomCorpus(new Rng(seed), 30);
        const fast = trainByteLevelBpe(texts, { numTokens: 330, pattern: GPT2_SPLIT_PATTERN });
        expect(fast.map((t) => t.join(','))).to.deep.equal(naiveTrain(texts, 330).map((t) => t.join(',')));
      }
    });

    it('does not depend on the order of the texts, and different corpora give different tables', () => {
      const rng = new Rng(7);
      const texts = randomCorpus(rng, 40);
      const order = rng.permutation(texts.length);
      const a = trainByteLevelBpe(texts, { numTokens: 320, pattern: GPT2_SPLIT_PATTERN });
      const b = trainByteLevelBpe(order.map((i) => texts[i]), { numTokens: 320, pattern: GPT2_SPLIT_PATTERN });
      const c = trainByteLevelBpe(randomCorpus(new Rng(8), 40), { numTokens: 320, pattern: GPT2_SPLIT_PATTERN });
      expect(b).to.deep.equal(a);
      expect(c).to.not.deep.equal(a);
    });

    it('the bundled wordnet-bpe table is what training on train.jsonl gives', function () {
      this.timeout(60000);
      const texts = glosses.train.map((d) => d.text);
      const trained = trainByteLevelBpe(texts, { numTokens: 8187, pattern: GPT2_SPLIT_PATTERN });
      const bundled = fs.readFileSync(path.join(wordnetGlossesDir(), WORDNET_BPE_FILE), 'utf8');
      expect(formatTiktokenRanks(trained) === bundled).to.equal(true);
    });

    it('trainTokenizer gives a tokenizer of the asked size that round-trips and can be saved', () => {
      const texts = randomCorpus(new Rng(3), 50);
      const { tokenizer, tokens } = trainTokenizer(texts, 300, 'mine');
      expect(tokenizer.vocabSize).to.equal(300);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpe-'));
      const file = path.join(dir, 'mine.tiktoken');
      fs.writeFileSync(file, formatTiktokenRanks(tokens));
      const reloaded = loadTokenizer(file);
      for (const t of texts) {
        expect(reloaded.encode(t)).to.deep.equal(tokenizer.encode(t));
        expect(tokenizer.decode(tokenizer.encode(t))).to.equal(t);
      }
      expect(() => trainTokenizer(texts, 100)).to.throw(/vocabSize must be an integer of at least 261/);
    });
  });
});

/** Short texts over a small alphabet, so that pairs repeat and merges collide. */
function randomCorpus(rng: Rng, n: number): string[] {
  const alphabet = ['a', 'b', 'c', ' ', ' ', 'é', '\n', "'s", '1'];
  return Array.from({ length: n }, () => Array.from({ length: rng.int(1, 25) }, () => alphabet[rng.int(0, alphabet.length)]).join(''));
}

/**
 * tiktoken `_educational.bpe_train`, written directly: one word per occurrence, a full
 * recount per merge; ties go to the smaller (left, right) rank pair; a merge whose bytes
 * already are a token reuses that token.
 */
function naiveTrain(texts: string[], numTokens: number): Uint8Array[] {
  const regex = new RegExp(GPT2_SPLIT_PATTERN, 'gu');
  let words = texts.flatMap((t) => [...t.matchAll(regex)].map((m) => Array.from(Buffer.from(m[0], 'utf8'))));
  const tokens: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  while (tokens.length < numTokens) {
    const counts = new Map<string, number>();
    for (const w of words) for (let i = 0; i + 1 < w.length; i++) counts.set(`${w[i]},${w[i + 1]}`, (counts.get(`${w[i]},${w[i + 1]}`) ?? 0) + 1);
    let best: [number, number] | undefined;
    let bestCount = 0;
    for (const [key, c] of counts) {
      const [a, b] = key.split(',').map(Number);
      if (c > bestCount || (c === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (!best) break;
    const [a, b] = best;
    const merged = Uint8Array.from([...tokens[a], ...tokens[b]]);
    let id = tokens.findIndex((t) => t.join(',') === merged.join(','));
    if (id < 0) {
      id = tokens.length;
      tokens.push(merged);
    }
    words = words.map((w) => {
      const out: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(w[i]);
      }
      return out;
    });
  }
  return tokens;
}
