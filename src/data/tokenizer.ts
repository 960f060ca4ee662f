/**
 * Subword tokenisation for data2vec text (spec §1.4, §2.6): byte-level BPE with the
 * special tokens of fairseq's RoBERTa dictionary.
 *
 * Id layout, the same for every vocabulary (fairseq `Dictionary` order, so `<pad>` is 1
 * as `LearnedPositionalEmbedding`'s padding offset expects):
 *
 *   0 `<s>` (bos)   1 `<pad>`   2 `</s>` (eos)   3 `<unk>` (reserved: byte-level BPE
 *   never needs it)   4 .. 4+n-1 the n BPE tokens in rank order   last: `<mask>`
 *
 * so `vocabSize = n + 5`. This mirrors `MaskedLMTask`, which appends `<mask>` after the
 * dictionary. The ids are not RoBERTa's: fairseq orders GPT-2 tokens by corpus frequency
 * in its `dict.txt`, which does not ship with any package here; loading released
 * RoBERTa/data2vec embeddings needs that permutation.
 *
 * Encoding is tiktoken's byte-level BPE (same ids as `js-tiktoken`; see
 * `tokenizer-bpe.ts`): split the text with the pattern, turn each piece into UTF-8
 * bytes and merge by rank. Every byte is a token, so
 * any well-formed string round-trips exactly: `decode(encode(s)) === s`. (A string with
 * an unpaired UTF-16 surrogate, which is not valid Unicode and cannot come out of a UTF-8
 * file, encodes it as U+FFFD like any UTF-8 encoder.) Special tokens are never produced
 * from text: the text "<mask>" encodes as its characters.
 */
import { BytePairEncoder } from './tokenizer-bpe';
import type { BpeRanks } from './tokenizer-ranks';

/** Ids of the special tokens. */
export interface SpecialTokens {
  /** `<s>`, starts every sequence (RoBERTa's CLS). */
  bos: number;
  /** `<pad>`, fills batches; always masked out. */
  pad: number;
  /** `</s>`, ends every document. */
  eos: number;
  /** `<unk>`, reserved so that the layout matches fairseq's dictionary; never produced. */
  unk: number;
  /** `<mask>`, the v1 masked-input token (spec §2.5). */
  mask: number;
}

/** A tokenizer: text to ids and back, with fixed special ids. */
export interface Tokenizer {
  /** Short name, e.g. `gpt2` or `wordnet-bpe`, for configs and messages. */
  readonly name: string;
  /** Number of ids (embedding rows), specials included. */
  readonly vocabSize: number;
  readonly specials: SpecialTokens;
  /**
   * The ids of ordinary tokens, `[start, end)`: everything but the specials. BERT-style
   * masking draws its random replacement tokens from here (fairseq `MaskTokensDataset`
   * zeroes the weights of the leading specials).
   */
  readonly regularIds: { start: number; end: number };
  /** Ids of `text`, without `<s>`/`</s>` (see `wrapDocument` in `text-batch.ts`). Never returns a special id. */
  encode(text: string): number[];
  /** Text of `ids`. Specials are written as `<s>`, `<mask>` … unless `skipSpecials` is set. */
  decode(ids: readonly number[], options?: { skipSpecials?: boolean }): string;
}

/** The fixed special ids; `<mask>` is the last id of a vocabulary of `vocabSize`. */
export function specialTokens(vocabSize: number): SpecialTokens {
  return { bos: 0, pad: 1, eos: 2, unk: 3, mask: vocabSize - 1 };
}

/** The number of ids before the first BPE token. */
export const FIRST_BPE_ID = 4;

/** Options for {@link ByteLevelBpeTokenizer}. */
export interface ByteLevelBpeOptions {
  /**
   * Total number of ids, specials included. Defaults to all ranks of the table
   * (n + 5). A smaller value keeps the first `vocabSize - 5` ranks: a prefix of a BPE
   * merge list is itself a complete BPE vocabulary. At least 261 (the 256 bytes + 5 specials).
   */
  vocabSize?: number;
}

/** Byte-level BPE over a rank table (GPT-2's or one trained with `trainByteLevelBpe`). */
export class ByteLevelBpeTokenizer implements Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly specials: SpecialTokens;
  readonly regularIds: { start: number; end: number };
  /** Number of BPE tokens in use (`vocabSize - 5`). */
  readonly numBpeTokens: number;
  private readonly bpe: BytePairEncoder;
  private readonly splitter: RegExp;
  /** Not fatal (a cut multi-byte character decodes as U+FFFD); `ignoreBOM` keeps a leading U+FEFF instead of dropping it. */
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly specialText: Map<number, string>;

  constructor(ranks: BpeRanks, options: ByteLevelBpeOptions = {}) {
    const maxVocab = ranks.tokens.length + FIRST_BPE_ID + 1;
    const vocabSize = options.vocabSize ?? maxVocab;
    if (!Number.isInteger(vocabSize) || vocabSize < 256 + FIRST_BPE_ID + 1 || vocabSize > maxVocab) {
      throw new Error(
        `vocabSize ${vocabSize} is not possible with the ${ranks.name} BPE table: choose an integer from ` +
          `${256 + FIRST_BPE_ID + 1} (256 bytes + 5 specials) to ${maxVocab} (all ${ranks.tokens.length} ranks + 5 specials).`,
      );
    }
    this.name = ranks.name;
    this.vocabSize = vocabSize;
    this.numBpeTokens = vocabSize - FIRST_BPE_ID - 1;
    this.specials = specialTokens(vocabSize);
    this.regularIds = { start: FIRST_BPE_ID, end: vocabSize - 1 };
    const used = ranks.tokens.slice(0, this.numBpeTokens);
    this.bpe = new BytePairEncoder(used, ranks.name);
    this.splitter = new RegExp(ranks.pattern, 'gu');
    const s = this.specials;
    this.specialText = new Map([
      [s.bos, '<s>'],
      [s.pad, '<pad>'],
      [s.eos, '</s>'],
      [s.unk, '<unk>'],
      [s.mask, '<mask>'],
    ]);
  }

  encode(text: string): number[] {
    // Only BPE ranks come out, shifted past the specials: special-looking text stays plain text.
    const ids: number[] = [];
    for (const match of text.matchAll(this.splitter)) {
      for (const rank of this.bpe.encodePiece(match[0])) ids.push(rank + FIRST_BPE_ID);
    }
    return ids;
  }

  decode(ids: readonly number[], options: { skipSpecials?: boolean } = {}): string {
    let out = '';
    let run: number[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`token id ${id} is outside the ${this.name} vocabulary [0, ${this.vocabSize}).`);
      }
      const special = this.specialText.get(id);
      if (special === undefined) {
        run.push(id - FIRST_BPE_ID);
        continue;
      }
      out += this.utf8.decode(this.bpe.bytesOf(run));
      run = [];
      if (!options.skipSpecials) out += special;
    }
    return out + this.utf8.decode(this.bpe.bytesOf(run));
  }
}
