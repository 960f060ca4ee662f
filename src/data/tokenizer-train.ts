/**
 * Training a byte-level BPE vocabulary on a corpus (spec §1.4: data2vec text uses a
 * byte-level BPE; the `tiny` preset uses a small one trained on the bundled corpus).
 *
 * The algorithm is tiktoken's reference trainer (`tiktoken/_educational.py`,
 * `bpe_train`): split the text with the pre-tokenisation pattern, start from the 256
 * single bytes (ranks 0..255 in byte order), and repeatedly merge the most frequent
 * adjacent pair, counting pairs inside pieces only (pieces never merge across each
 * other). A new token's rank is its position in merge order, which is exactly the
 * rank table that tiktoken's encoder (`js-tiktoken`) consumes.
 *
 * Differences from the reference, all deterministic:
 * - pieces are counted once with their frequency instead of stored one per occurrence
 *   (same pair counts, much less work), and pair counts are updated incrementally for
 *   the pieces a merge touches, with a max-heap instead of a full scan per merge;
 * - ties on the pair count are broken by the smaller left token rank, then the smaller
 *   right token rank (the reference takes whichever pair Python's Counter saw first);
 * - should a merged pair's bytes already be a token (reached by another split), the
 *   pair is merged into that token and no rank is added (the reference would add the
 *   same bytes twice).
 */

import { pairKey, splitPairKey } from './tokenizer-bpe';

/** Options for {@link trainByteLevelBpe}. */
export interface BpeTrainOptions {
  /** Number of BPE tokens to produce, the 256 single bytes included (so at least 256). */
  numTokens: number;
  /** Pre-tokenisation pattern (a Unicode regular expression source); pieces are merged within, never across. */
  pattern: string;
}

/** One distinct piece of the corpus: its current token ids and how often it occurs. */
interface Piece {
  ids: number[];
  count: number;
}

/**
 * Learn byte-level BPE merges from `texts`.
 *
 * @returns the token byte strings in rank order: entries 0..255 are the single bytes
 * 0x00..0xFF, each later entry is the concatenation of two earlier ones. Fewer than
 * `numTokens` entries come back when the corpus has no pair left to merge.
 */
export function trainByteLevelBpe(texts: Iterable<string>, options: BpeTrainOptions): Uint8Array[] {
  const { numTokens, pattern } = options;
  if (!Number.isInteger(numTokens) || numTokens < 256) {
    throw new Error(`numTokens must be an integer of at least 256 (the single bytes), got ${numTokens}.`);
  }
  const pieces = countPieces(texts, pattern);
  const tokens: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  const idOfBytes = new Map<string, number>(tokens.map((t, i) => [bytesKey(t), i]));

  const pairCounts = new Map<number, number>();
  const piecesWithPair = new Map<number, Set<number>>();
  const heap = new PairHeap();
  const addPairs = (p: number, sign: 1 | -1, touched: Set<number>): void => {
    const { ids, count } = pieces[p];
    for (let i = 0; i + 1 < ids.length; i++) {
      const key = pairKey(ids[i], ids[i + 1]);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * count);
      touched.add(key);
      if (sign > 0) {
        let set = piecesWithPair.get(key);
        if (!set) piecesWithPair.set(key, (set = new Set()));
        set.add(p);
      }
    }
  };
  const pushTouched = (touched: Set<number>): void => {
    for (const key of touched) {
      const c = pairCounts.get(key) ?? 0;
      if (c > 0) heap.push(c, ...splitPairKey(key));
    }
  };

  const initial = new Set<number>();
  for (let p = 0; p < pieces.length; p++) addPairs(p, 1, initial);
  pushTouched(initial);

  while (tokens.length < numTokens) {
    const best = popCurrent(heap, pairCounts);
    if (best === undefined) break;
    const [a, b] = best;
    const merged = concatBytes(tokens[a], tokens[b]);
    let newId = idOfBytes.get(bytesKey(merged));
    if (newId === undefined) {
      newId = tokens.length;
      tokens.push(merged);
      idOfBytes.set(bytesKey(merged), newId);
    }
    const key = pairKey(a, b);
    const touched = new Set<number>();
    for (const p of piecesWithPair.get(key) ?? []) {
      addPairs(p, -1, touched);
      pieces[p].ids = mergePair(pieces[p].ids, a, b, newId);
      addPairs(p, 1, touched);
    }
    piecesWithPair.delete(key);
    pushTouched(touched);
  }
  return tokens;
}

/** Distinct pre-tokenised pieces of the corpus, as UTF-8 byte ids with their counts. */
function countPieces(texts: Iterable<string>, pattern: string): Piece[] {
  const counts = new Map<string, number>();
  const regex = new RegExp(pattern, 'gu');
  for (const text of texts) {
    for (const m of text.matchAll(regex)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  const encoder = new TextEncoder();
  // Sorted so that the result never depends on the order of the input texts.
  return [...counts.keys()].sort().map((s) => ({ ids: Array.from(encoder.encode(s)), count: counts.get(s) ?? 0 }));
}

/** Replace every non-overlapping occurrence of (a, b), scanning left to right, with `id`. */
export function mergePair(ids: readonly number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(id);
      i++;
    } else {
      out.push(ids[i]);
    }
  }
  return out;
}

/** Pop heap entries until one matches the pair's current count (lazy deletion of stale entries). */
function popCurrent(heap: PairHeap, pairCounts: Map<number, number>): [number, number] | undefined {
  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    const [count, a, b] = top;
    if (pairCounts.get(pairKey(a, b)) === count) return [a, b];
  }
  return undefined;
}

function concatBytes(x: Uint8Array, y: Uint8Array): Uint8Array {
  const out = new Uint8Array(x.length + y.length);
  out.set(x, 0);
  out.set(y, x.length);
  return out;
}

function bytesKey(bytes: Uint8Array): string {
  return bytes.join(',');
}

/** Binary max-heap of (count, left, right): higher count first, then smaller left, then smaller right. */
class PairHeap {
  private readonly items: [number, number, number][] = [];

  push(count: number, a: number, b: number): void {
    const items = this.items;
    items.push([count, a, b]);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): [number, number, number] | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop() as [number, number, number];
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l], items[m])) m = l;
        if (r < items.length && before(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(x: [number, number, number], y: [number, number, number]): boolean {
  if (x[0] !== y[0]) return x[0] > y[0];
  if (x[1] !== y[1]) return x[1] < y[1];
  return x[2] < y[2];
}
