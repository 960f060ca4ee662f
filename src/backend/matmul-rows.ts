/**
 * A range of output rows of a batched matrix product, run through the SIMD
 * kernel (`kernels/batched-matmul.wat`): the unit of work that the threads of
 * `./matmul-pool.ts` share (platform facts: "wasm is the default backend").
 *
 * The output C is dense [batch, m, n], so its rows, numbered g = t·m + i over
 * batch item t and row i, are contiguous: any range [g0, g1) is one block of C.
 * A range runs as at most three kernel calls (the end of a partial item, a run
 * of whole items as one batched call, the start of a partial item) or, when
 * the batch broadcasts unevenly, one call per item. Each output element is the
 * kernel's 4×8 micro-kernel summed in k order whatever rows a call holds (edge
 * tiles are zero-padded, not computed differently), so any split of the rows
 * gives bit-identical results.
 *
 * A product may instead lay its items out in groups (`grouped`): item
 * t = g·size + h at element offsets g·groupStride + h·itemStride of each
 * operand, C's rows `cRow` apart. Attention's per-head products are such
 * products (`./head-matmul.ts`): one group per sample, one item per head, read
 * and written in the projections' token-major layout. A range of whole items
 * then runs as one call per group it touches.
 */

/** The kernel entry point (`bmm` of `batched-matmul.wat`): pointers in bytes, strides in elements (C's rows here are dense: cRow = n). */
export type BatchedMatMulFn = (
  batch: number,
  a: number, aBatch: number, aRow: number, aCol: number,
  b: number, bBatch: number, bRow: number, bCol: number,
  c: number, cBatch: number, cRow: number, m: number, n: number, k: number,
  scratch: number,
) => void;

/** One product C[t] = A[aItem(t)] · B[bItem(t)] as one thread sees it in its memory. */
export interface RowProduct {
  m: number;
  n: number;
  k: number;
  /** Element strides: A(i, p) = a[i·aRow + p·aCol], B(p, j) = b[p·bRow + j·bCol]. */
  aRow: number;
  aCol: number;
  bRow: number;
  bCol: number;
  /** Byte address of A's item `aFirst` (the first item held in this memory), B's item `bFirst`, and C's row 0. */
  a: number;
  aFirst: number;
  b: number;
  bFirst: number;
  c: number;
  /** Item stride when uniform (1: one item each, 0: one shared item); undefined: read `aItems`/`bItems`. */
  aStride?: 0 | 1;
  bStride?: 0 | 1;
  /** The A and B item of each output item (numpy broadcasting), when not uniform. */
  aItems?: ArrayLike<number>;
  bItems?: ArrayLike<number>;
  /** Items in strided groups instead of `aStride`/`bStride`/`aItems` and a dense C (see the file comment). */
  grouped?: GroupedItems;
}

/** Element strides of items laid out in groups: item t = g·size + h of X is at g·xGroup + h·xItem. */
export interface GroupedItems {
  /** Items per group. */
  size: number;
  aItem: number;
  bItem: number;
  cItem: number;
  aGroup: number;
  bGroup: number;
  cGroup: number;
  /** Element stride between C's rows. */
  cRow: number;
}

/** Rows [g0, g1) of a grouped product (`p.grouped` set). */
function runGroupedRows(bmm: BatchedMatMulFn, p: RowProduct, layout: GroupedItems, g0: number, g1: number, scratch: number): void {
  const { m, n, k, aRow, aCol, bRow, bCol } = p;
  const { size, cRow } = layout;
  // Byte addresses of item t; plain arithmetic (addresses may exceed 2³¹).
  const at = (base: number, t: number, item: number, group: number) => base + 4 * (Math.floor(t / size) * group + (t % size) * item);
  let g = g0;
  while (g < g1) {
    const t = Math.floor(g / m);
    const i0 = g - t * m;
    const a = at(p.a, t, layout.aItem, layout.aGroup);
    const b = at(p.b, t, layout.bItem, layout.bGroup);
    const c = at(p.c, t, layout.cItem, layout.cGroup);
    if (i0 === 0 && g + m <= g1) {
      const items = Math.min(Math.floor((g1 - g) / m), size - (t % size));
      bmm(items, a, layout.aItem, aRow, aCol, b, layout.bItem, bRow, bCol, c, layout.cItem, cRow, m, n, k, scratch);
      g += items * m;
      continue;
    }
    const rows = Math.min(m - i0, g1 - g);
    bmm(1, a + 4 * i0 * aRow, 0, aRow, aCol, b, 0, bRow, bCol, c + 4 * i0 * cRow, 0, cRow, rows, n, k, scratch);
    g += rows;
  }
}

/** Rows [g0, g1) of `p` with `bmm`, using `scratch` (scratch_bytes(m, n, k, aRow) bytes, 16-byte aligned). */
export function runRows(bmm: BatchedMatMulFn, p: RowProduct, g0: number, g1: number, scratch: number): void {
  if (p.grouped !== undefined) return runGroupedRows(bmm, p, p.grouped, g0, g1, scratch);
  const { m, n, k, aRow, aCol, bRow, bCol } = p;
  const uniform = p.aStride !== undefined && p.bStride !== undefined;
  const aItem = (t: number) => (uniform ? t * (p.aStride as number) : (p.aItems as ArrayLike<number>)[t]);
  const bItem = (t: number) => (uniform ? t * (p.bStride as number) : (p.bItems as ArrayLike<number>)[t]);
  // Byte addresses may exceed 2³¹: plain arithmetic, no bit operators.
  const aAt = (t: number) => p.a + 4 * (aItem(t) - p.aFirst) * m * k;
  const bAt = (t: number) => p.b + 4 * (bItem(t) - p.bFirst) * k * n;
  let g = g0;
  while (g < g1) {
    const t = Math.floor(g / m);
    const i0 = g - t * m;
    if (i0 === 0 && uniform && g + m <= g1) {
      const items = Math.floor((g1 - g) / m);
      bmm(items, aAt(t), (p.aStride as number) * m * k, aRow, aCol, bAt(t), (p.bStride as number) * k * n, bRow, bCol, p.c + 4 * g * n, m * n, n, m, n, k, scratch);
      g += items * m;
      continue;
    }
    const rows = Math.min(m - i0, g1 - g);
    bmm(1, aAt(t) + 4 * i0 * aRow, 0, aRow, aCol, bAt(t), 0, bRow, bCol, p.c + 4 * g * n, rows * n, n, rows, n, k, scratch);
    g += rows;
  }
}
