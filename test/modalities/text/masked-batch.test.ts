/**
 * data2vec 1.0 text batches (spec §2.6, traps 14–15): padding is never selected and
 * never in the loss; the default loss positions are exactly the `<mask>`-replaced
 * ones; what the teacher sees in each mode; the masking fractions on the bundled
 * corpus; determinism.
 */
import { expect } from 'chai';
import { Rng } from '../../../src/util/rng';
import { collateSequences, encodeDocuments } from '../../../src/data/text-batch';
import { loadTokenizer } from '../../../src/data/tokenizer-presets';
import { loadWordnetGlosses } from '../../../src/data/text-dataset';
import { BERT_MASK_DEFAULTS, SPAN_TEXT_MASK_DEFAULTS } from '../../../src/masking/mask-tokens';
import { TextMaskingConfig, maskTextBatch } from '../../../src/modalities/text/masked-batch-v1';
import { TOY_TOKENIZER, toyRows } from './fixtures';

const BERT: TextMaskingConfig = { ...BERT_MASK_DEFAULTS, lossPositions: 'maskReplaced' };

const ones = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('text v1 masked batches', () => {
  it('never selects padding and never puts it in the loss (any lengths, both loss modes)', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const lengths = Array.from({ length: 8 }, () => rng.int(2, 30));
      const batch = collateSequences(toyRows(rng, lengths), 1);
      for (const lossPositions of ['maskReplaced', 'selected'] as const) {
        const m = maskTextBatch(batch, TOY_TOKENIZER, { ...BERT, maskProb: 0.5, lossPositions }, 'unmasked', rng);
        for (let i = 0; i < batch.tokens.length; i++) {
          if (batch.paddingMask[i]) {
            expect(m.masking.selected.data[i]).to.equal(0);
            expect(m.lossMask[i]).to.equal(0);
            expect(m.studentTokens[i]).to.equal(1);
          }
        }
      }
    }
  });

  it('default loss positions are exactly the <mask>-replaced ones (trap 15); "selected" adds random and unchanged', () => {
    const rng = new Rng(12);
    const batch = collateSequences(toyRows(rng, Array.from({ length: 64 }, (_, i) => 10 + (i % 20))), 1);
    const ref = maskTextBatch(batch, TOY_TOKENIZER, BERT, 'unmasked', new Rng(5));
    const all = maskTextBatch(batch, TOY_TOKENIZER, { ...BERT, lossPositions: 'selected' }, 'unmasked', new Rng(5));
    const { selected, maskReplaced, randomReplaced, leftUnchanged } = ref.masking;
    expect(ones(randomReplaced.data)).to.be.above(0);
    expect(ones(leftUnchanged.data)).to.be.above(0);
    for (let i = 0; i < batch.tokens.length; i++) {
      expect(ref.lossMask[i]).to.equal(ref.studentTokens[i] === 49 ? 1 : 0);
      expect(ref.lossMask[i]).to.equal(maskReplaced.data[i]);
      expect(all.lossMask[i]).to.equal(selected.data[i]);
      if (randomReplaced.data[i]) {
        expect(ref.studentTokens[i]).to.be.within(4, 48);
      } else if (!maskReplaced.data[i]) {
        expect(ref.studentTokens[i]).to.equal(batch.tokens[i]);
      }
    }
    // the same draw in both modes: only the loss positions differ
    expect(Array.from(all.studentTokens)).to.deep.equal(Array.from(ref.studentTokens));
  });

  it('the teacher sees the original tokens by default, and only the selected ones (the rest <pad>) in the released-code mode (trap 14)', () => {
    const rng = new Rng(13);
    const batch = collateSequences(toyRows(rng, [12, 7, 20, 3]), 1);
    const paper = maskTextBatch(batch, TOY_TOKENIZER, BERT, 'unmasked', new Rng(9));
    const code = maskTextBatch(batch, TOY_TOKENIZER, BERT, 'selectedOnly', new Rng(9));
    expect(Array.from(paper.teacherTokens)).to.deep.equal(Array.from(batch.tokens));
    expect(ones(code.masking.selected.data)).to.be.above(0);
    for (let i = 0; i < batch.tokens.length; i++) {
      expect(code.teacherTokens[i]).to.equal(code.masking.selected.data[i] ? batch.tokens[i] : 1);
    }
    expect(Array.from(code.studentTokens)).to.deep.equal(Array.from(paper.studentTokens));
  });

  it('span masking (released config) turns every selected token into <mask>', () => {
    const rng = new Rng(14);
    const batch = collateSequences(toyRows(rng, Array.from({ length: 32 }, () => 40)), 1);
    const m = maskTextBatch(batch, TOY_TOKENIZER, { ...SPAN_TEXT_MASK_DEFAULTS, lossPositions: 'maskReplaced' }, 'unmasked', rng);
    expect(Array.from(m.lossMask)).to.deep.equal(Array.from(m.masking.selected.data));
    const frac = ones(m.lossMask) / (32 * 40);
    // 1 − (1 − 0.35/4)^4 ≈ 0.306 for long rows (overlapping spans merge); edges lower it slightly
    expect(frac).to.be.within(0.26, 0.34);
  });

  it('is a pure function of the seed', () => {
    const rng = new Rng(15);
    const batch = collateSequences(toyRows(rng, [30, 25, 18]), 1);
    const a = maskTextBatch(batch, TOY_TOKENIZER, BERT, 'unmasked', new Rng('s'));
    const b = maskTextBatch(batch, TOY_TOKENIZER, BERT, 'unmasked', new Rng('s'));
    const c = maskTextBatch(batch, TOY_TOKENIZER, BERT, 'unmasked', new Rng('t'));
    expect(Array.from(a.studentTokens)).to.deep.equal(Array.from(b.studentTokens));
    expect(Array.from(a.studentTokens)).to.not.deep.equal(Array.from(c.studentTokens));
  });

  it('rejects an unknown teacher input or loss-position mode with the field name', () => {
    const batch = collateSequences([[0, 5, 2]], 1);
    expect(() => maskTextBatch(batch, TOY_TOKENIZER, BERT, 'student' as never, new Rng(0))).to.throw('teacherInput must be "unmasked" or "selectedOnly"');
    expect(() => maskTextBatch(batch, TOY_TOKENIZER, { ...BERT, lossPositions: 'all' as never }, 'unmasked', new Rng(0))).to.throw('masking.lossPositions must be');
  });

  it('BERT masking on the bundled WordNet glosses: 15 % selected, 80/10/10 of those', function () {
    this.timeout(60_000);
    const tokenizer = loadTokenizer('wordnet-bpe');
    const rows = encodeDocuments(loadWordnetGlosses().train.map((d) => d.text), tokenizer, 64);
    const rng = new Rng('corpus-fractions');
    let real = 0;
    let selected = 0;
    let masked = 0;
    let random = 0;
    let unchanged = 0;
    for (let s = 0; s < rows.length; s += 256) {
      const batch = collateSequences(rows.slice(s, s + 256), tokenizer.specials.pad);
      const m = maskTextBatch(batch, tokenizer, BERT, 'unmasked', rng);
      real += batch.paddingMask.length - ones(batch.paddingMask);
      selected += ones(m.masking.selected.data);
      masked += ones(m.masking.maskReplaced.data);
      random += ones(m.masking.randomReplaced.data);
      unchanged += ones(m.masking.leftUnchanged.data);
    }
    // ~435k real tokens: the binomial standard errors are ~0.0005 (selection) and ~0.002 (shares)
    expect(selected / real).to.be.closeTo(0.15, 0.003);
    expect(masked / selected).to.be.closeTo(0.8, 0.008);
    expect(random / selected).to.be.closeTo(0.1, 0.006);
    expect(unchanged / selected).to.be.closeTo(0.1, 0.006);
    expect(masked + random + unchanged).to.equal(selected);
    // eslint-disable-next-line no-console
    console.log(`      measured: ${real} real tokens, selected ${(selected / real).toFixed(4)}; of selected <mask> ${(masked / selected).toFixed(4)}, random ${(random / selected).toFixed(4)}, unchanged ${(unchanged / selected).toFixed(4)}`);
  });
});
