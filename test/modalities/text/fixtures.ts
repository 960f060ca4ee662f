/** Small shared fixtures for the text tests: an encoder size and a 50-id token layout. */
import { Rng } from '../../../src/util/rng';
import { TextEncoderV1Config } from '../../../src/modalities/text/encoder-v1';

/** A 3-layer, 16-wide encoder over 50 ids with 20 positions. */
export const SMALL_TEXT_ENCODER: TextEncoderV1Config = {
  vocabSize: 50, padIdx: 1, dim: 16, depth: 3, heads: 2, ffnDim: 32, maxPositions: 20,
  dropout: 0.1, attnDropout: 0.1, activationDropout: 0, layerdrop: 0, eps: 1e-5,
};

/** The id layout of every tokenizer here, for a 50-id vocabulary. */
export const TOY_TOKENIZER = {
  specials: { bos: 0, pad: 1, eos: 2, unk: 3, mask: 49 },
  regularIds: { start: 4, end: 49 },
};

/** Rows `<s> w… </s>` of the given lengths with random regular ids. */
export function toyRows(rng: Rng, lengths: number[]): number[][] {
  return lengths.map((n) => [0, ...Array.from({ length: n - 2 }, () => rng.int(4, 49)), 2]);
}
