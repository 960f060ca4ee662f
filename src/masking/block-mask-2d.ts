/**
 * data2vec 1.0 image masking, spec §2.3 and trap 13: BEiT block-wise masking,
 * `MaskingGenerator` in `beit/masking_generator.py` (microsoft/unilm BEiT, used as is by
 * facebookresearch/data2vec_vision): 120 of 196 patches, blocks of at least 16 patches,
 * aspect ratio log-uniform in [0.3, 1/0.3].
 *
 * Until `numMaskingPatches` are masked:
 * 1. `maxMaskPatches = min(remaining, maxNumPatches)`.
 * 2. Up to 10 attempts: target area ~ U[minNumPatches, maxMaskPatches], aspect r
 *    log-uniform, h = round(√(area·r)), w = round(√(area/r)) (Python `round`, ties to
 *    even); the block is tried only if h < H and w < W, at a uniform top-left corner,
 *    and kept if it adds between 1 and `maxMaskPatches` new patches.
 * 3. A round that adds nothing stops the loop, so a mask can end with fewer patches
 *    than asked (never more). There is no fix-up to an exact count.
 * The min/max bounds are per block, not global. Because of the rounding a block's
 * h·w can fall slightly below `minNumPatches` (area 16, r = 0.3 gives 2×7 = 14).
 */
import { Rng } from '../util/rng';
import { GridBatchShape, MaskBatch, emptyMaskBatch, maskRow } from './mask-batch';
import { roundHalfEven } from './reference-math';
import { assertCount, assertFinite, assertIntegerAtLeast, withDefaults } from './validate';

/** Options of {@link blockMask2d}; names follow `MaskingGenerator`'s arguments. */
export interface BlockMask2dOptions {
  /** Patches to mask per image (`num_masking_patches`); the result may fall short, never exceed. */
  numMaskingPatches: number;
  /** Lower end of a block's target area (`min_num_patches`). */
  minNumPatches: number;
  /** Upper bound on one block's new patches (`max_num_patches`); default the grid size. */
  maxNumPatches?: number;
  /** Smallest aspect ratio (`min_aspect`). */
  minAspect: number;
  /** Largest aspect ratio (`max_aspect`); default 1 / minAspect. */
  maxAspect?: number;
}

/** data2vec 1.0 values on the 14×14 grid (`DataAugmentationForBEiT`, spec §2.3). */
export const BLOCK_MASK_2D_DEFAULTS: Readonly<Required<BlockMask2dOptions>> = Object.freeze({
  numMaskingPatches: 120,
  minNumPatches: 16,
  maxNumPatches: 196,
  minAspect: 0.3,
  maxAspect: 1 / 0.3,
});

/**
 * The reference fractions scaled to another grid of N = H·W patches:
 * `numMaskingPatches = round(120/196·N)` (≈ 0.6122·N), `minNumPatches = max(1,
 * round(16/196·N))`, `maxNumPatches = N`, aspect range unchanged. On 14×14 this gives
 * the reference 120 / 16 / 196; on 7×7 it gives 30 / 4 / 49.
 */
export function scaledBlockMaskParams(gridH: number, gridW: number): Required<BlockMask2dOptions> {
  assertIntegerAtLeast('gridH', gridH);
  assertIntegerAtLeast('gridW', gridW);
  const n = gridH * gridW;
  return {
    numMaskingPatches: Math.round((120 / 196) * n),
    minNumPatches: Math.max(1, Math.round((16 / 196) * n)),
    maxNumPatches: n,
    minAspect: BLOCK_MASK_2D_DEFAULTS.minAspect,
    maxAspect: BLOCK_MASK_2D_DEFAULTS.maxAspect,
  };
}

/** One rectangle the generator placed: top-left corner, size, and how many patches it newly masked. */
export interface PlacedBlock {
  top: number;
  left: number;
  height: number;
  width: number;
  /** Target area drawn for this block (before rounding to h × w). */
  targetArea: number;
  /** Patches this block masked that were visible before (1 … maxMaskPatches). */
  added: number;
}

/** One BEiT mask over a `height × width` grid, with the blocks in the order they were placed. */
export function beitMask(
  height: number,
  width: number,
  rng: Rng,
  options: Partial<BlockMask2dOptions> = {},
): { mask: Uint8Array; blocks: PlacedBlock[] } {
  const o = resolve(height, width, options);
  const mask = new Uint8Array(height * width);
  const blocks: PlacedBlock[] = [];
  const logMin = Math.log(o.minAspect);
  const logMax = Math.log(o.maxAspect);
  let count = 0;
  while (count < o.numMaskingPatches) {
    const maxMaskPatches = Math.min(o.numMaskingPatches - count, o.maxNumPatches);
    let delta = 0;
    for (let attempt = 0; attempt < 10 && delta === 0; attempt++) {
      const targetArea = rng.uniform(o.minNumPatches, maxMaskPatches);
      const aspect = Math.exp(rng.uniform(logMin, logMax));
      const h = roundHalfEven(Math.sqrt(targetArea * aspect));
      const w = roundHalfEven(Math.sqrt(targetArea / aspect));
      if (!(w < width && h < height)) continue;
      const top = rng.int(0, height - h + 1);
      const left = rng.int(0, width - w + 1);
      let alreadyMasked = 0;
      for (let i = top; i < top + h; i++) for (let j = left; j < left + w; j++) alreadyMasked += mask[i * width + j];
      const fresh = h * w - alreadyMasked;
      if (fresh > 0 && fresh <= maxMaskPatches) {
        for (let i = top; i < top + h; i++) for (let j = left; j < left + w; j++) mask[i * width + j] = 1;
        delta = fresh;
        blocks.push({ top, left, height: h, width: w, targetArea, added: fresh });
      }
    }
    if (delta === 0) break;
    count += delta;
  }
  return { mask, blocks };
}

/** Draws `shape.batch` independent BEiT block masks (spec §2.3); rows may mask slightly fewer than asked. */
export function blockMask2d(shape: GridBatchShape, rng: Rng, options: Partial<BlockMask2dOptions> = {}): MaskBatch {
  assertCount('batch', shape.batch);
  const out = emptyMaskBatch(shape.batch, shape.height * shape.width);
  for (let b = 0; b < shape.batch; b++) maskRow(out, b).set(beitMask(shape.height, shape.width, rng, options).mask);
  return out;
}

function resolve(height: number, width: number, options: Partial<BlockMask2dOptions>): Required<BlockMask2dOptions> {
  assertIntegerAtLeast('height', height);
  assertIntegerAtLeast('width', width);
  const o = withDefaults<Required<BlockMask2dOptions>>({ ...BLOCK_MASK_2D_DEFAULTS, maxNumPatches: height * width }, options);
  const maxAspect = options.maxAspect ?? 1 / o.minAspect;
  assertIntegerAtLeast('numMaskingPatches', o.numMaskingPatches, 0);
  if (o.numMaskingPatches > height * width) {
    throw new Error(`numMaskingPatches is ${o.numMaskingPatches} but a ${height}x${width} grid has only ${height * width} patches.`);
  }
  assertFinite('minNumPatches', o.minNumPatches);
  assertIntegerAtLeast('maxNumPatches', o.maxNumPatches);
  if (!(o.minAspect > 0 && maxAspect >= o.minAspect && Number.isFinite(maxAspect))) {
    throw new Error(`aspect range must satisfy 0 < minAspect <= maxAspect, got [${o.minAspect}, ${maxAspect}].`);
  }
  return { ...o, maxAspect };
}
