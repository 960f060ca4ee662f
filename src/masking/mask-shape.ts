/**
 * Mask shapes as users type them (spec §2): `14x14` for a patch grid, `250` for a
 * sequence of frames or tokens. Errors name the flag and the strategy.
 */

/** A parsed mask shape: a `height × width` patch grid or a sequence of `length` positions. */
export type MaskShape = { kind: '2d'; height: number; width: number } | { kind: '1d'; length: number };

/** Number of positions of one mask of this shape. */
export function maskShapePositions(shape: MaskShape): number {
  return shape.kind === '2d' ? shape.height * shape.width : shape.length;
}

/** The shape written back as text (`14x14`, `250`). */
export function formatMaskShape(shape: MaskShape): string {
  return shape.kind === '2d' ? `${shape.height}x${shape.width}` : `${shape.length}`;
}

/**
 * Parses `text` as a shape of `kind` for `strategy`; `example` (e.g. `14x14`) is shown
 * in the error: "--shape must look like 14x14 for strategy block".
 */
export function parseMaskShape(text: string, kind: '1d' | '2d', strategy: string, example: string): MaskShape {
  const pattern = kind === '2d' ? /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/ : /^\s*(\d+)\s*$/;
  const m = pattern.exec(text);
  if (!m) throw new Error(`--shape must look like ${example} for strategy ${strategy}, got "${text}".`);
  const sizes = m.slice(1).map(Number);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new Error(`--shape "${text}" for strategy ${strategy} must have sizes of at least 1, like ${example}.`);
  }
  return kind === '2d' ? { kind, height: sizes[0], width: sizes[1] } : { kind, length: sizes[0] };
}
