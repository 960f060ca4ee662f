/**
 * Mask statistics for plots and checks (spec §2): the masked fraction of each row, the
 * lengths of contiguous masked runs in 1-D masks (span / block structure), and the
 * sizes of connected masked or visible regions in 2-D masks (4-connectivity: BEiT
 * blocks, v2 visible islands).
 */
import { MaskBatch, countOnes, maskRow } from './mask-batch';
import { assertIntegerAtLeast } from './validate';

/** Masked fraction of each row (masked count / row length). */
export function maskedFractionPerRow(mask: MaskBatch): number[] {
  const out: number[] = [];
  for (let r = 0; r < mask.rows; r++) out.push(mask.length === 0 ? 0 : countOnes(maskRow(mask, r)) / mask.length);
  return out;
}

/** Lengths of the maximal runs of `value` (default 1 = masked) in a 1-D row, left to right. */
export function runLengths(row: ArrayLike<number>, value: 0 | 1 = 1): number[] {
  const out: number[] = [];
  let run = 0;
  for (let i = 0; i < row.length; i++) {
    if ((row[i] ? 1 : 0) === value) {
      run++;
    } else if (run > 0) {
      out.push(run);
      run = 0;
    }
  }
  if (run > 0) out.push(run);
  return out;
}

/**
 * Sizes of the 4-connected regions of `value` (default 1 = masked) in a row-major
 * `height × width` grid, in the order of each region's first cell.
 */
export function regionSizes2d(grid: ArrayLike<number>, height: number, width: number, value: 0 | 1 = 1): number[] {
  assertIntegerAtLeast('height', height);
  assertIntegerAtLeast('width', width);
  if (grid.length !== height * width) {
    throw new Error(`the grid has ${grid.length} cells but ${height}x${width} needs ${height * width}.`);
  }
  const seen = new Uint8Array(grid.length);
  const stack: number[] = [];
  const out: number[] = [];
  const matches = (i: number) => (grid[i] ? 1 : 0) === value;
  for (let start = 0; start < grid.length; start++) {
    if (seen[start] || !matches(start)) continue;
    let size = 0;
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop() as number;
      size++;
      const r = Math.floor(i / width);
      const c = i % width;
      const neighbours = [r > 0 ? i - width : -1, r < height - 1 ? i + width : -1, c > 0 ? i - 1 : -1, c < width - 1 ? i + 1 : -1];
      for (const n of neighbours) {
        if (n >= 0 && !seen[n] && matches(n)) {
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    out.push(size);
  }
  return out;
}
