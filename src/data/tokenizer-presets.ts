/**
 * The tokenizers the presets use (spec §1.4), by name.
 *
 * - `gpt2`: GPT-2's byte-level BPE, as RoBERTa and data2vec text use: 50,256 BPE tokens,
 *   50,261 ids with the specials. For `small`/`base` models and for released-weight work.
 * - `wordnet-bpe` (default 4,096 ids): a byte-level BPE with GPT-2's pre-tokenisation,
 *   trained on the training split of the bundled WordNet glosses
 *   (`datasets/wordnet-glosses/wordnet-bpe.tiktoken`, 8,187 ranks, so up to 8,192 ids).
 *   For `tiny` models: data2vec has no output softmax, so the vocabulary costs only the
 *   embedding table, its gradient and two AdamW moments. At 50k rows × 128 dims that is
 *   6.4 M parameters, several times a tiny encoder, and most rows would never be seen
 *   in a corpus of a few MB; 4,096 rows cost 0.5 M. The price is longer sequences: on
 *   the bundled test split 1.55 tokens per word (8,192 ids: 1.35; GPT-2: 1.19).
 * - a path to a `.tiktoken` file: any other table (e.g. one trained on your corpus with
 *   {@link trainTokenizer}).
 */
import * as path from 'path';
import { ByteLevelBpeTokenizer, FIRST_BPE_ID } from './tokenizer';
import { GPT2_SPLIT_PATTERN, gpt2Ranks, readTiktokenRanksFile } from './tokenizer-ranks';
import { trainByteLevelBpe } from './tokenizer-train';
import { wordnetGlossesDir } from './text-dataset';

/** File name of the bundled WordNet BPE table inside `datasets/wordnet-glosses/`. */
export const WORDNET_BPE_FILE = 'wordnet-bpe.tiktoken';

/** Default vocabulary size (ids, specials included) of the `wordnet-bpe` tokenizer. */
export const WORDNET_BPE_DEFAULT_VOCAB = 4096;

/** GPT-2 byte-level BPE (RoBERTa's tokenisation; ids per `tokenizer.ts`). */
export function gpt2Tokenizer(options: { vocabSize?: number } = {}): ByteLevelBpeTokenizer {
  return new ByteLevelBpeTokenizer(gpt2Ranks(), options);
}

/** The byte-level BPE trained on the bundled WordNet glosses, `vocabSize` ids (default 4,096, at most 8,192). */
export function wordnetBpeTokenizer(options: { vocabSize?: number } = {}): ByteLevelBpeTokenizer {
  const file = path.join(wordnetGlossesDir(), WORDNET_BPE_FILE);
  const ranks = readTiktokenRanksFile(file, 'wordnet-bpe');
  return new ByteLevelBpeTokenizer(ranks, { vocabSize: options.vocabSize ?? WORDNET_BPE_DEFAULT_VOCAB });
}

/**
 * A tokenizer by name (`gpt2`, `wordnet-bpe`) or from a `.tiktoken` file path, with an
 * optional vocabulary size (default: the whole table; 4,096 for `wordnet-bpe`).
 */
export function loadTokenizer(spec: string, options: { vocabSize?: number } = {}): ByteLevelBpeTokenizer {
  if (spec === 'gpt2') return gpt2Tokenizer(options);
  if (spec === 'wordnet-bpe') return wordnetBpeTokenizer(options);
  if (spec.endsWith('.tiktoken')) {
    return new ByteLevelBpeTokenizer(readTiktokenRanksFile(spec, path.basename(spec, '.tiktoken')), options);
  }
  throw new Error(`unknown tokenizer "${spec}"; use gpt2, wordnet-bpe, or the path of a .tiktoken rank file.`);
}

/**
 * Train a byte-level BPE tokenizer of `vocabSize` ids (specials included) on `texts`,
 * with GPT-2's pre-tokenisation. Save its table with `formatTiktokenRanks(tokenizer
 * ranks)` to reuse it; see `datasets/wordnet-glosses/make.js` for an example. A corpus
 * too small to supply that many merges gives a smaller vocabulary (check `vocabSize`).
 */
export function trainTokenizer(
  texts: Iterable<string>,
  vocabSize: number,
  name = 'trained-bpe',
): { tokenizer: ByteLevelBpeTokenizer; tokens: Uint8Array[] } {
  if (!Number.isInteger(vocabSize) || vocabSize < 256 + FIRST_BPE_ID + 1) {
    throw new Error(`vocabSize must be an integer of at least ${256 + FIRST_BPE_ID + 1} (256 bytes + 5 specials), got ${vocabSize}.`);
  }
  const tokens = trainByteLevelBpe(texts, { numTokens: vocabSize - FIRST_BPE_ID - 1, pattern: GPT2_SPLIT_PATTERN });
  const tokenizer = new ByteLevelBpeTokenizer({ name, pattern: GPT2_SPLIT_PATTERN, tokens });
  return { tokenizer, tokens };
}
