/**
 * The byte-pair merge step of byte-level BPE (spec §1.4), over a rank table.
 *
 * Same algorithm as tiktoken's `byte_pair_encode` (and `js-tiktoken`'s `bytePairMerge`):
 * start from the single bytes of one pre-tokenised piece and repeatedly merge the
 * adjacent pair whose concatenation is the token of lowest rank (the leftmost on a tie),
 * until no adjacent pair concatenates to a token. Here the candidate merges are
 * precomputed as integer pairs (left rank, right rank) → rank, instead of looking up the
 * concatenated bytes as a string on every step, and whole pieces are cached, which
 * makes encoding several times faster; the tests check the ids equal js-tiktoken's.
 */

/** Byte-pair merging over one rank table: `tokens[rank]` is the byte string of that rank. */
export class BytePairEncoder {
  /** Rank of each single byte 0..255. */
  private readonly byteRank: Int32Array;
  /** (left rank, right rank) packed by {@link pairKey} → rank of their concatenation. */
  private readonly mergeRank = new Map<number, number>();
  private readonly cache = new Map<string, number[]>();
  private static readonly CACHE_LIMIT = 1 << 16;

  /** `tokens` must include all 256 single bytes; ranks are array positions; `name` is for messages. */
  constructor(
    private readonly tokens: readonly Uint8Array[],
    name: string,
  ) {
    const rankOf = new Map<string, number>();
    tokens.forEach((t, rank) => rankOf.set(t.join(','), rank));
    this.byteRank = new Int32Array(256).fill(-1);
    for (let b = 0; b < 256; b++) this.byteRank[b] = rankOf.get(String(b)) ?? -1;
    const missing = this.byteRank.filter((r) => r < 0).length;
    if (missing > 0) {
      throw new Error(
        `the first ${tokens.length} ranks of the ${name} BPE table lack ${missing} of the 256 single bytes, so some text ` +
          'could not be encoded; use a larger vocabSize or a table whose first ranks are the bytes.',
      );
    }
    tokens.forEach((t, rank) => {
      for (let split = 1; split < t.length; split++) {
        const left = rankOf.get(t.subarray(0, split).join(','));
        const right = rankOf.get(t.subarray(split).join(','));
        if (left !== undefined && right !== undefined) this.mergeRank.set(pairKey(left, right), rank);
      }
    });
  }

  /** Ranks of one pre-tokenised piece (a string, encoded as UTF-8). */
  encodePiece(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const parts = Array.from(Buffer.from(piece, 'utf8'), (b) => this.byteRank[b]);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = this.mergeRank.get(pairKey(parts[i], parts[i + 1]));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      parts.splice(best, 2, bestRank);
    }
    if (this.cache.size >= BytePairEncoder.CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, parts);
    return parts;
  }

  /** The bytes of a sequence of ranks, concatenated. */
  bytesOf(ranks: readonly number[]): Uint8Array {
    let length = 0;
    for (const r of ranks) length += this.tokens[r].length;
    const out = new Uint8Array(length);
    let at = 0;
    for (const r of ranks) {
      out.set(this.tokens[r], at);
      at += this.tokens[r].length;
    }
    return out;
  }
}

/** Two ranks (each below 2^26) packed into one safe integer. */
export function pairKey(left: number, right: number): number {
  return left * 0x4000000 + right;
}

/** The two ranks of a {@link pairKey}. */
export function splitPairKey(key: number): [number, number] {
  return [Math.floor(key / 0x4000000), key % 0x4000000];
}
