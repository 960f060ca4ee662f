/**
 * The value every masking strategy returns (spec §2): a batch of 0/1 masks, one row
 * per sequence or image, 1 = masked (predicted), 0 = visible. 2-D masks are stored
 * row-major over the patch grid (patch (r, c) of a W-wide grid is position r·W + c),
 * which is the order of the patch tokens.
 */
import { assertCount } from './validate';

/** A batch of binary masks, `rows × length`, row-major; 1 = masked, 0 = visible. */
export interface MaskBatch {
  /** Number of masks (batch rows). */
  readonly rows: number;
  /** Positions per mask: frames, tokens, or H·W patches. */
  readonly length: number;
  /** `rows·length` entries, each 0 or 1. */
  readonly data: Uint8Array;
}

/** An all-visible mask batch of the given size. */
export function emptyMaskBatch(rows: number, length: number): MaskBatch {
  assertCount('rows', rows);
  assertCount('length', length);
  return { rows, length, data: new Uint8Array(rows * length) };
}

/** A live view of row `r` (writes go through to the batch). */
export function maskRow(mask: MaskBatch, r: number): Uint8Array {
  if (!Number.isInteger(r) || r < 0 || r >= mask.rows) {
    throw new Error(`mask row ${r} is out of range: the batch has ${mask.rows} rows.`);
  }
  return mask.data.subarray(r * mask.length, (r + 1) * mask.length);
}

/** Number of masked positions in each row. */
export function maskedCounts(mask: MaskBatch): number[] {
  const out: number[] = [];
  for (let r = 0; r < mask.rows; r++) out.push(countOnes(maskRow(mask, r)));
  return out;
}

/** The batch as nested arrays of 0/1 (one array per row), e.g. for JSON or `tf.tensor2d`. */
export function maskBatchToArrays(mask: MaskBatch): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < mask.rows; r++) out.push(Array.from(maskRow(mask, r)));
  return out;
}

/** Builds a batch from equal-length rows of 0/1 (any non-zero counts as masked). */
export function maskBatchFromArrays(rows: ReadonlyArray<ArrayLike<number>>): MaskBatch {
  if (rows.length === 0) throw new Error('maskBatchFromArrays needs at least one row.');
  const length = rows[0].length;
  const out = emptyMaskBatch(rows.length, length);
  rows.forEach((row, r) => {
    if (row.length !== length) {
      throw new Error(`mask row ${r} has ${row.length} positions but row 0 has ${length}; all rows must be the same length.`);
    }
    for (let i = 0; i < length; i++) out.data[r * length + i] = row[i] ? 1 : 0;
  });
  return out;
}

/** Stacks batches with the same `length` one after another (row order kept). */
export function concatMaskBatches(batches: ReadonlyArray<MaskBatch>): MaskBatch {
  if (batches.length === 0) throw new Error('concatMaskBatches needs at least one batch.');
  const length = batches[0].length;
  let rows = 0;
  for (const b of batches) {
    if (b.length !== length) {
      throw new Error(`cannot stack masks of length ${b.length} with masks of length ${length}.`);
    }
    rows += b.rows;
  }
  const out = emptyMaskBatch(rows, length);
  let offset = 0;
  for (const b of batches) {
    out.data.set(b.data, offset);
    offset += b.data.length;
  }
  return out;
}

/** Number of non-zero entries. */
export function countOnes(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i]) n++;
  return n;
}

/** Size of a batch of 1-D masks: `batch` sequences of `length` frames or tokens. */
export interface SequenceBatchShape {
  readonly batch: number;
  readonly length: number;
}

/** Size of a batch of 2-D masks: `batch` images of a `height × width` patch grid. */
export interface GridBatchShape {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
}
