/**
 * The control block that the threads of `./matmul-pool.ts` share (a
 * `SharedArrayBuffer`, platform facts: "wasm is the default backend"), and the
 * lock-free steps both sides take on it.
 *
 * A product is cut into chunks of output rows. The main thread writes the
 * product's parameters, sets the chunk counter and the count of unfinished
 * chunks, then publishes a new generation and wakes the workers. Every thread,
 * the main one included, claims chunks by compare-and-swap on one word that
 * holds the generation (low 15 bits) and the next chunk: a worker woken late
 * for an older product finds another generation there and claims nothing, so
 * no chunk is lost or done twice. The thread that finishes the last chunk
 * wakes the main thread. No lock is held at any point; the only shared writes
 * per chunk are one compare-and-swap and one decrement.
 */

/** Int32 indices of the words in the control block, each on its own 64-byte line. */
export const GENERATION = 0;
export const CLAIM = 16;
export const REMAINING = 32;
export const ONLINE = 48;
export const STOP = 64;
export const FAILED = 80;

/** Byte offset of the product's parameters (float64, `ParamIndex`). */
export const PARAMS_BYTE = 512;
/** Byte offset of the per-chunk owner flags (1: a worker computed it into the shared memory). */
export const OWNERS_BYTE = 1024;
/** Most chunks per product (the claim word holds the chunk index in 16 bits). */
export const MAX_CHUNKS = 4096;
/** Bytes of the whole control block. */
export const CONTROL_BYTES = OWNERS_BYTE + MAX_CHUNKS;

/** Float64 slots of the parameters block. */
export const enum ParamIndex {
  Generation, M, N, K, ARow, ACol, BRow, BCol,
  A, AFirst, B, BFirst, C,
  /** 0 or 1, or -1 when the items are listed at `Items`. */
  AStride, BStride,
  /** Byte address of the item lists: batch int32 A items, then batch int32 B items. */
  Items, Batch,
  Chunks, ChunkRows, Rows,
  /** Scratch of worker w at ScratchBase + w·ScratchStride. */
  ScratchBase, ScratchStride,
  /** 1 when the items are grouped (`GroupedItems` of `./matmul-rows.ts`, in the slots that follow), else 0. */
  Grouped, GroupSize, AItem, BItem, CItem, AGroup, BGroup, CGroup, CRow,
  Count,
}

/** The claim word that opens `chunks` chunks of generation `generation`. */
export function openClaims(generation: number): number {
  return (generation & 0x7fff) << 16;
}

/**
 * Claim the next chunk of generation `generation` (of `chunks`), or -1 when
 * none is left or another product now runs.
 */
export function claimChunk(control: Int32Array, generation: number, chunks: number): number {
  const tag = generation & 0x7fff;
  for (;;) {
    const word = Atomics.load(control, CLAIM);
    const next = word & 0xffff;
    if (word >>> 16 !== tag || next >= chunks) return -1;
    if (Atomics.compareExchange(control, CLAIM, word, word + 1) === word) return next;
  }
}

/** Count one chunk done; the thread that finishes the last one wakes the main thread. */
export function finishChunk(control: Int32Array): void {
  if (Atomics.sub(control, REMAINING, 1) === 1) Atomics.notify(control, REMAINING);
}
