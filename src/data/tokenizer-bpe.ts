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
 *
 * That scan is quadratic in the piece length, so a long run without whitespace (a
 * megabyte of one "word") would take hours. Pieces longer than {@link HEAP_MERGE_FROM}
 * bytes are merged with a priority queue of candidate pairs over a linked list
 * instead (O(n log n)): the queue orders pairs by (rank, position), so the pair it
 * merges is the same lowest-rank, leftmost pair the scan picks, and the ids are equal.
 * Long pieces are not cached, which keeps the memory bounded.
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
    const bytes = Buffer.from(piece, 'utf8');
    if (bytes.length > HEAP_MERGE_FROM) return this.mergeWithQueue(bytes);
    const parts = Array.from(bytes, (b) => this.byteRank[b]);
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

  /** The same merges as the scan in {@link encodePiece}, in O(n log n): a queue of (rank, position) keys over a linked list of parts. */
  private mergeWithQueue(bytes: Uint8Array): number[] {
    const n = bytes.length;
    if (n >= POSITION_RANGE) throw new RangeError(`a run of ${n} bytes without whitespace is longer than the ${POSITION_RANGE} bytes one BPE piece may have; split the text into lines or documents.`);
    const rank = Int32Array.from(bytes, (b) => this.byteRank[b]);
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
    const alive = new Uint8Array(n).fill(1);
    const queue = new MinQueue(2 * n);
    const push = (left: number) => {
      const right = next[left];
      if (left < 0 || right < 0) return;
      const r = this.mergeRank.get(pairKey(rank[left], rank[right]));
      if (r !== undefined) queue.push(r * POSITION_RANGE + left);
    };
    for (let i = 0; i + 1 < n; i++) push(i);
    while (queue.size > 0) {
      const key = queue.pop();
      const left = key % POSITION_RANGE;
      const r = (key - left) / POSITION_RANGE;
      const right = next[left];
      // a queued pair is stale when either side has merged since; the current pair at `left` counts only if it has this rank
      if (!alive[left] || right < 0 || this.mergeRank.get(pairKey(rank[left], rank[right])) !== r) continue;
      rank[left] = r;
      alive[right] = 0;
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      push(prev[left]);
      push(left);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]) out.push(rank[i]);
    return out;
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

/** Pieces longer than this many bytes are merged with the queue (shorter ones scan faster). */
export const HEAP_MERGE_FROM = 128;

/** Queue keys are `rank * POSITION_RANGE + position`: exact below 2^53 for ranks below 2^26 and pieces below 2^27 bytes. */
const POSITION_RANGE = 2 ** 27;

/** A binary min-heap of numbers. */
class MinQueue {
  private keys: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(capacity, 16));
  }

  push(key: number): void {
    if (this.size === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const k = this.keys;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (k[parent] <= key) break;
      k[i] = k[parent];
      i = parent;
    }
    k[i] = key;
  }

  pop(): number {
    const k = this.keys;
    const top = k[0];
    const last = k[--this.size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && k[child + 1] < k[child]) child++;
      if (k[child] >= last) break;
      k[i] = k[child];
      i = child;
    }
    k[i] = last;
    return top;
  }
}
