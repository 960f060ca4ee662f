/**
 * Text batching: fairseq-style block packing (worked out by hand), per-document
 * `<s> … </s>` rows with truncation, padding masks, and that the mask, given to attention,
 * makes real positions independent of whatever sits in the padding.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { collateSequences, encodeDocuments, packTokenBlocks, tokenBatchToTensors, wrapDocument } from '../../src/data/text-batch';
import { wordnetBpeTokenizer } from '../../src/data/tokenizer-presets';
import { loadWordnetGlosses } from '../../src/data/text-dataset';
import { MultiHeadSelfAttention } from '../../src/nn/attention';
import { Rng } from '../../src/util/rng';

const specials = { bos: 0, eos: 2 };

describe('text-batch', () => {
  describe('packTokenBlocks', () => {
    const docs = [[10, 11, 12], [13], [14, 15]];

    it('appends </s> to each document, cuts the stream into blockSize-1 chunks and prepends <s>', () => {
      // Stream: 10 11 12 </s> 13 </s> 14 15 </s> (9 tokens) → three chunks of 3.
      expect(packTokenBlocks(docs, specials, { blockSize: 4 })).to.deep.equal([
        [0, 10, 11, 12],
        [0, 2, 13, 2],
        [0, 14, 15, 2],
      ]);
    });

    it('splits long documents across blocks; the short last block is dropped or kept', () => {
      // Chunks of 4: [10 11 12 </s>] [13 </s> 14 15] [</s>].
      expect(packTokenBlocks(docs, specials, { blockSize: 5 })).to.deep.equal([
        [0, 10, 11, 12, 2],
        [0, 13, 2, 14, 15],
      ]);
      expect(packTokenBlocks(docs, specials, { blockSize: 5, lastBlock: 'pad' })).to.deep.equal([
        [0, 10, 11, 12, 2],
        [0, 13, 2, 14, 15],
        [0, 2],
      ]);
    });

    it('rejects a corpus shorter than one block and a block size below 2', () => {
      expect(() => packTokenBlocks(docs, specials, { blockSize: 512 })).to.throw(/hold 9 tokens with their <\/s>, fewer than one block of 511/);
      expect(() => packTokenBlocks(docs, specials, { blockSize: 1 })).to.throw(/blockSize must be an integer of at least 2/);
    });

    it('on the bundled glosses: full blocks, each led by <s>, holding the token stream in order', () => {
      const tokenizer = wordnetBpeTokenizer();
      const encoded = loadWordnetGlosses().train.slice(0, 400).map((d) => tokenizer.encode(d.text));
      const blocks = packTokenBlocks(encoded, tokenizer.specials, { blockSize: 64 });
      const stream = encoded.flatMap((ids) => [...ids, tokenizer.specials.eos]);
      expect(blocks.length).to.equal(Math.floor(stream.length / 63));
      expect(blocks.every((b) => b.length === 64 && b[0] === tokenizer.specials.bos)).to.equal(true);
      expect(blocks.flatMap((b) => b.slice(1))).to.deep.equal(stream.slice(0, blocks.length * 63));
    });
  });

  describe('per-document rows', () => {
    it('wraps in <s> … </s> and truncates long documents keeping </s> last', () => {
      expect(wrapDocument([5, 6, 7], specials, 8)).to.deep.equal([0, 5, 6, 7, 2]);
      expect(wrapDocument([5, 6, 7, 8, 9, 10], specials, 5)).to.deep.equal([0, 5, 6, 7, 2]);
      expect(wrapDocument([], specials, 2)).to.deep.equal([0, 2]);
      expect(() => wrapDocument([5], specials, 1)).to.throw(/maxLength must be an integer of at least 2/);
    });

    it('encodeDocuments decodes back to the text when nothing is truncated', () => {
      const tokenizer = wordnetBpeTokenizer();
      const texts = ['a small domesticated carnivore', 'move fast by using one’s feet'];
      const rows = encodeDocuments(texts, tokenizer, 128);
      rows.forEach((row, i) => {
        expect(row[0]).to.equal(tokenizer.specials.bos);
        expect(row[row.length - 1]).to.equal(tokenizer.specials.eos);
        expect(tokenizer.decode(row, { skipSpecials: true })).to.equal(texts[i]);
      });
      expect(encodeDocuments(texts, tokenizer, 4).map((r) => r.length)).to.deep.equal([4, 4]);
    });
  });

  describe('collateSequences', () => {
    const rows = [[0, 5, 2], [0, 5, 6, 7, 2], [0, 2]];

    it('right-pads to the longest row with <pad> and marks padding with 1', () => {
      const b = collateSequences(rows, 1);
      expect([b.batchSize, b.seqLen]).to.deep.equal([3, 5]);
      expect(Array.from(b.tokens)).to.deep.equal([0, 5, 2, 1, 1, 0, 5, 6, 7, 2, 0, 2, 1, 1, 1]);
      expect(Array.from(b.paddingMask)).to.deep.equal([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
      expect(Array.from(b.lengths)).to.deep.equal([3, 5, 2]);
    });

    it('pads to a fixed seqLen when given, and rejects rows longer than it or no rows', () => {
      const b = collateSequences(rows, 1, 7);
      expect(b.seqLen).to.equal(7);
      expect(b.paddingMask.reduce((s, v) => s + v, 0)).to.equal(3 * 7 - (3 + 5 + 2));
      expect(() => collateSequences(rows, 1, 4)).to.throw(/a row has 5 tokens, more than seqLen 4/);
      expect(() => collateSequences([], 1)).to.throw(/empty list of rows/);
    });

    it('tokenBatchToTensors gives int32 tokens and a float32 [B, T] mask', () => {
      const before = tf.memory().numTensors;
      const { tokens, paddingMask } = tokenBatchToTensors(collateSequences(rows, 1));
      expect([tokens.dtype, paddingMask.dtype]).to.deep.equal(['int32', 'float32']);
      expect(tokens.shape).to.deep.equal([3, 5]);
      expect(paddingMask.shape).to.deep.equal([3, 5]);
      expect(Array.from(paddingMask.dataSync())).to.deep.equal([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
      tokens.dispose();
      paddingMask.dispose();
      expect(tf.memory().numTensors).to.equal(before);
    });

    it('with the mask as keyPadding, attention outputs at real positions ignore what the padding holds', () => {
      const rng = new Rng(0);
      const attn = new MultiHeadSelfAttention(8, 2, rng);
      const batch = collateSequences(rows, 1);
      const { tokens, paddingMask } = tokenBatchToTensors(batch);
      const real = tf.tensor3d(Float32Array.from(batch.paddingMask, (p) => 1 - p), [3, 5, 1]);
      const x = tf.tensor3d(rng.normalArray(3 * 5 * 8), [3, 5, 8]);
      const junk = tf.tensor3d(rng.normalArray(3 * 5 * 8, 10), [3, 5, 8]);
      const changedPadding = tf.add(tf.mul(x, real), tf.mul(junk, tf.sub(1, real)));
      const outA = tf.mul(attn.forward(x, { keyPadding: paddingMask }), real);
      const outB = tf.mul(attn.forward(changedPadding, { keyPadding: paddingMask }), real);
      expect(tf.max(tf.abs(tf.sub(outA, outB))).dataSync()[0]).to.be.below(1e-5);
      // Without the mask the padding leaks into real positions: a change 100 times the masked
      // tolerance (the outputs themselves are small, the projections being drawn with std 0.02)
      const leakA = tf.mul(attn.forward(x), real);
      const leakB = tf.mul(attn.forward(changedPadding), real);
      expect(tf.max(tf.abs(tf.sub(leakA, leakB))).dataSync()[0]).to.be.above(1e-3);
      tf.dispose([tokens, paddingMask, real, x, junk, changedPadding, outA, outB, leakA, leakB]);
      attn.dispose();
    });
  });
});
