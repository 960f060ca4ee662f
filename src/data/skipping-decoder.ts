/**
 * Decode-or-skip for streamed corpora (issue "bad input": counted skips, never
 * a crash): decoding item i either succeeds or, when the error is a known bad-
 * file kind, marks i bad once in the `SkipLog` and tries i+1, i+2, … (wrapping),
 * so a batch always fills with good items and which item replaces a bad one
 * depends only on the list. Files are counted once however often they are read.
 */
import { SkipLog } from './skip-log';

/** An error that names a bad input file; anything else is rethrown. */
export interface FileErrorLike {
  kind: string;
  message: string;
}

export class SkippingDecoder<T> {
  private readonly bad = new Set<number>();
  private readonly seen = new Set<number>();

  /**
   * @param count items in the list
   * @param fileOf file name of item i (for the skip log)
   * @param isFileError which errors mean "this file is bad"
   * @param scanned the files were counted as seen by a folder scan: only bad ones are added
   */
  constructor(
    readonly count: number,
    private readonly fileOf: (i: number) => string,
    readonly skips: SkipLog,
    private readonly isFileError: (e: unknown) => e is FileErrorLike,
    private readonly scanned = false,
  ) {}

  /** Item `index` decoded by `decode`, or the next good one after it. */
  async decodeOrNext(index: number, decode: (i: number) => Promise<T>): Promise<{ value: T; index: number }> {
    for (let tries = 0; tries < this.count; tries++, index = (index + 1) % this.count) {
      if (this.bad.has(index)) continue;
      try {
        const value = await decode(index);
        if (!this.scanned && !this.seen.has(index)) {
          this.seen.add(index);
          this.skips.ok();
        }
        return { value, index };
      } catch (e) {
        if (!this.isFileError(e)) throw e;
        if (!this.bad.has(index)) {
          this.bad.add(index);
          if (this.scanned) this.skips.skipCounted(this.fileOf(index), e.kind, e.message);
          else this.skips.skip(this.fileOf(index), e.kind, e.message);
        }
      }
    }
    throw new Error(`none of the ${this.count} files could be decoded (${this.skips.summary()}).`);
  }
}
