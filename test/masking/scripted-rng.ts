/**
 * An `Rng` whose draws come from a script, so a test can fix every random choice of
 * a masking algorithm and compare the result with a mask worked out by hand. Each
 * call takes the next script entry and checks that it is a legal draw for that call.
 */
import { Rng } from '../../src/util/rng';

export type ScriptEntry = number | number[];

export class ScriptedRng extends Rng {
  private readonly queue: ScriptEntry[];

  constructor(script: ScriptEntry[]) {
    super(0);
    this.queue = [...script];
  }

  /** Entries not consumed yet. */
  get remaining(): number {
    return this.queue.length;
  }

  private take(what: string): ScriptEntry {
    if (this.queue.length === 0) throw new Error(`script exhausted at ${what}`);
    return this.queue.shift() as ScriptEntry;
  }

  private takeNumber(what: string, lo: number, hi: number, hiInclusive: boolean): number {
    const v = this.take(what);
    if (typeof v !== 'number' || v < lo || (hiInclusive ? v > hi : v >= hi)) {
      throw new Error(`script entry ${JSON.stringify(v)} is not a legal ${what} in [${lo}, ${hi}${hiInclusive ? ']' : ')'}`);
    }
    return v;
  }

  override next(): number {
    return this.takeNumber('next()', 0, 1, false);
  }

  /** The script gives the value itself (between the two bounds, in either order). */
  override uniform(lo = 0, hi = 1): number {
    return this.takeNumber(`uniform(${lo}, ${hi})`, Math.min(lo, hi), Math.max(lo, hi), true);
  }

  override int(lo: number, hi: number): number {
    return this.takeNumber(`int(${lo}, ${hi})`, lo, hi, false);
  }

  override sampleWithoutReplacement(n: number, k: number): number[] {
    const v = this.take(`sampleWithoutReplacement(${n}, ${k})`);
    if (!Array.isArray(v) || v.length !== k || v.some((x) => x < 0 || x >= n) || new Set(v).size !== k) {
      throw new Error(`script entry ${JSON.stringify(v)} is not ${k} distinct values in [0, ${n})`);
    }
    return v;
  }
}

/** Renders a row-major 0/1 grid as lines of `#` (1) and `.` (0), for readable expectations. */
export function gridText(mask: ArrayLike<number>, width: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < mask.length; i += width) {
    lines.push(Array.from({ length: width }, (_, j) => (mask[i + j] ? '#' : '.')).join(''));
  }
  return lines;
}
