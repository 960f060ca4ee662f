/**
 * Counting what a corpus reader could not use (issue "bad input": a corrupt or
 * truncated file, a zero-byte file, a non-image in an image folder, a shard cut
 * short). Each skipped file is recorded with its kind and one-sentence reason;
 * `summary()` gives the closing line (`skipped 3 of 10,000 files: 2 corrupt
 * image, 1 empty file`), and `check()` stops the run with a clear error once
 * the share skipped passes the threshold (default 1 %).
 */

/** One file that was skipped, with its kind (for the summary) and the reason. */
export interface SkippedItem {
  file: string;
  kind: string;
  reason: string;
}

/** Options of `SkipLog`. */
export interface SkipLogOptions {
  /** Largest tolerated share of skipped files, in [0, 1]. Default 0.01. */
  maxSkipRate?: number;
  /** The rate is checked only once this many files were seen (so 1 bad file of the first 5 does not stop a run). Default 200. */
  minSeen?: number;
}

/** Default `maxSkipRate`: 1 %. */
export const DEFAULT_MAX_SKIP_RATE = 0.01;

/** `2 corrupt image, 1 empty file`: skipped items counted by kind, largest count first. */
export function countByKind(items: readonly SkippedItem[]): string {
  const counts = new Map<string, number>();
  for (const s of items) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([kind, n]) => `${n} ${kind}`).join(', ');
}

/** Running count of files seen and skipped by one reader. */
export class SkipLog {
  readonly skipped: SkippedItem[] = [];
  private seenCount = 0;
  readonly maxSkipRate: number;
  readonly minSeen: number;

  constructor(readonly what: string, options: SkipLogOptions = {}) {
    this.maxSkipRate = options.maxSkipRate ?? DEFAULT_MAX_SKIP_RATE;
    this.minSeen = options.minSeen ?? 200;
    if (!(this.maxSkipRate >= 0 && this.maxSkipRate <= 1)) throw new Error(`the maximum skip rate must be in [0, 1], got ${this.maxSkipRate}.`);
  }

  /** Files seen so far (used or skipped). */
  get seen(): number {
    return this.seenCount;
  }

  /** Count a file that was used. */
  ok(): void {
    this.seenCount++;
  }

  /** Count a skipped file, then `check()` the rate. */
  skip(file: string, kind: string, reason: string): void {
    this.seenCount++;
    this.skipped.push({ file, kind, reason });
    this.check(false);
  }

  /** Count a skipped file that was already counted as seen (by a folder scan), then `check()` the rate. */
  skipCounted(file: string, kind: string, reason: string): void {
    this.skipped.push({ file, kind, reason });
    this.check(false);
  }

  /** `skipped K of N files[: counts by kind, largest first]`, N with thousands separators. */
  summary(): string {
    const head = `skipped ${this.skipped.length.toLocaleString('en-US')} of ${this.seenCount.toLocaleString('en-US')} ${this.what}`;
    if (this.skipped.length === 0) return head;
    return `${head}: ${countByKind(this.skipped)}`;
  }

  /**
   * Throw when the skipped share exceeds `maxSkipRate`: always when `final`,
   * else only after `minSeen` files. The error names the first skipped file and its reason.
   */
  check(final = true): void {
    if (this.skipped.length === 0 || (!final && this.seenCount < this.minSeen)) return;
    const rate = this.skipped.length / this.seenCount;
    if (rate <= this.maxSkipRate) return;
    const first = this.skipped[0];
    throw new Error(
      `${this.summary()} (${(rate * 100).toFixed(1)} %, more than the ${(this.maxSkipRate * 100).toFixed(1)} % allowed); ` +
        `first: ${first.reason} Fix or remove the bad files, or raise --max-skip-rate.`,
    );
  }
}
