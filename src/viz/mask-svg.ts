/**
 * Masks as pure SVG (rectangles only, no scripts, no embedded raster), so they display in
 * any viewer, including untrusted notebooks: a 2-D patch grid over an optional grayscale
 * image (spec §2.3 BEiT block masks, §2.4 inverse block masks) and 1-D strips of frames or
 * tokens (spec §2.1, §2.2, §2.6). A non-zero mask value means "masked".
 */

/** Colours of the drawing (any SVG colour). */
export interface MaskColors {
  /** Fill of masked cells. */
  masked?: string;
  /** Fill of visible cells when no image is drawn underneath. */
  visible?: string;
  /** Cell borders. */
  grid?: string;
  /** Opacity of masked cells over an image (without an image they are opaque). */
  maskedOpacity?: number;
}

/** A grayscale image drawn under the grid, row-major `height × width`. */
export interface GrayImage {
  pixels: Uint8Array | Float32Array;
  height: number;
  width: number;
  /** Value range mapped to black..white; default [0, 255] for bytes, the data's min..max for floats. */
  range?: [number, number];
}

/** Options of {@link maskGridSvg}. */
export interface MaskGridOptions {
  /** Cell side in pixels; default: the larger grid side spans about 224 px. */
  cell?: number;
  image?: GrayImage;
  colors?: MaskColors;
}

/** Options of {@link maskStripSvg}. */
export interface MaskStripOptions {
  /** Cell width in pixels (default 8). */
  cellWidth?: number;
  /** Cell height in pixels (default 16). */
  cellHeight?: number;
  /** Gap between rows in pixels (default 4). */
  rowGap?: number;
  /** Break each row into lines of this many cells (default: no wrapping). */
  wrap?: number;
  colors?: MaskColors;
}

const DEFAULT_COLORS: Required<MaskColors> = {
  masked: '#d62728',
  visible: '#e8eef7',
  grid: '#ffffff',
  maskedOpacity: 0.55,
};

/** Escapes text for XML content and double-quoted attribute values. */
function xml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function positiveNumber(value: number, field: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new Error(`${field} must be a positive number, got ${value}.`);
  }
  return value;
}

function positiveInteger(value: number, field: string): number {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new Error(`${field} must be a positive integer, got ${value}.`);
  }
  return value;
}

/** Gray levels 0..255 of an image, mapped from its range. */
function grayLevels(image: GrayImage): Uint8Array {
  const { pixels, height, width } = image;
  positiveInteger(height, 'image.height');
  positiveInteger(width, 'image.width');
  if (pixels.length !== height * width) {
    throw new Error(
      `image.pixels has ${pixels.length} values but image.height × image.width is ${height * width}; pass one grayscale value per pixel, row-major.`,
    );
  }
  let [lo, hi] = image.range ?? (pixels instanceof Uint8Array ? [0, 255] : [Infinity, -Infinity]);
  if (image.range === undefined && !(pixels instanceof Uint8Array)) {
    for (const v of pixels) {
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  const span = hi > lo ? hi - lo : 1;
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = Number.isFinite(pixels[i]) ? (pixels[i] - lo) / span : 0;
    out[i] = Math.round(255 * Math.min(1, Math.max(0, v)));
  }
  return out;
}

/** One `<rect>` per image pixel, scaled to cover `areaW × areaH`. */
function imageRects(image: GrayImage, areaW: number, areaH: number): string {
  const gray = grayLevels(image);
  const pw = areaW / image.width;
  const ph = areaH / image.height;
  const rects: string[] = [];
  for (let r = 0; r < image.height; r++) {
    for (let c = 0; c < image.width; c++) {
      const g = gray[r * image.width + c];
      rects.push(`<rect x="${c * pw}" y="${r * ph}" width="${pw}" height="${ph}" fill="rgb(${g},${g},${g})"/>`);
    }
  }
  return `<g class="image" shape-rendering="crispEdges">${rects.join('')}</g>`;
}

/** A cell to draw: position, size and whether it is masked. */
interface Cell {
  x: number;
  y: number;
  w: number;
  h: number;
  masked: boolean;
}

/** Cells as rects: masked ones with class `masked`, visible ones (unless over an image) with class `visible`. */
function cellRects(cells: readonly Cell[], colors: Required<MaskColors>, overImage: boolean): string {
  const out: string[] = [];
  for (const c of cells) {
    const box = `x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}"`;
    if (c.masked) {
      const opacity = overImage ? ` fill-opacity="${colors.maskedOpacity}"` : '';
      out.push(`<rect class="masked" ${box} fill="${xml(colors.masked)}"${opacity} stroke="${xml(colors.grid)}"/>`);
    } else if (overImage) {
      out.push(`<rect class="visible" ${box} fill="none" stroke="${xml(colors.grid)}" stroke-opacity="0.5"/>`);
    } else {
      out.push(`<rect class="visible" ${box} fill="${xml(colors.visible)}" stroke="${xml(colors.grid)}"/>`);
    }
  }
  return out.join('');
}

function svgDocument(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<title>${xml(title)}</title>${body}</svg>`
  );
}

/**
 * A `gridH × gridW` patch grid as SVG; `mask` is row-major with one value per patch,
 * non-zero = masked. Masked cells are shaded (`<rect class="masked">`); with `image`, the
 * grayscale pixels are drawn underneath as rects and masked cells are translucent.
 */
export function maskGridSvg(mask: ArrayLike<number>, gridH: number, gridW: number, options: MaskGridOptions = {}): string {
  positiveInteger(gridH, 'gridH');
  positiveInteger(gridW, 'gridW');
  if (mask.length !== gridH * gridW) {
    throw new Error(`The mask has ${mask.length} values but the grid is ${gridH} × ${gridW} = ${gridH * gridW}; pass one value per patch.`);
  }
  const cell = positiveNumber(options.cell ?? Math.max(2, Math.floor(224 / Math.max(gridH, gridW))), 'cell');
  const colors = { ...DEFAULT_COLORS, ...options.colors };
  const cells: Cell[] = [];
  let masked = 0;
  for (let i = 0; i < mask.length; i++) {
    const isMasked = mask[i] !== 0;
    if (isMasked) masked++;
    cells.push({ x: (i % gridW) * cell, y: Math.floor(i / gridW) * cell, w: cell, h: cell, masked: isMasked });
  }
  const width = gridW * cell;
  const height = gridH * cell;
  const image = options.image !== undefined ? imageRects(options.image, width, height) : '';
  const title = `patch grid ${gridH} × ${gridW}, ${masked} of ${mask.length} masked`;
  return svgDocument(width, height, title, image + cellRects(cells, colors, options.image !== undefined));
}

/**
 * 1-D masks as strips of cells, one strip per row (frames of an utterance, tokens of a
 * sentence); pass one mask or several (e.g. a batch, or the M clones of data2vec 2.0).
 * Rows may differ in length. With `wrap`, each row continues on further lines.
 */
export function maskStripSvg(masks: ArrayLike<number> | ReadonlyArray<ArrayLike<number>>, options: MaskStripOptions = {}): string {
  const rows: ArrayLike<number>[] = isRowList(masks) ? Array.from(masks) : [masks];
  const cw = positiveNumber(options.cellWidth ?? 8, 'cellWidth');
  const ch = positiveNumber(options.cellHeight ?? 16, 'cellHeight');
  const gap = options.rowGap ?? 4;
  if (!(Number.isFinite(gap) && gap >= 0)) throw new Error(`rowGap must be a non-negative number, got ${gap}.`);
  const longest = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const perLine = options.wrap !== undefined ? positiveInteger(options.wrap, 'wrap') : Math.max(1, longest);
  const colors = { ...DEFAULT_COLORS, ...options.colors };
  const cells: Cell[] = [];
  let y = 0;
  let masked = 0;
  let total = 0;
  for (const row of rows) {
    const lines = Math.max(1, Math.ceil(row.length / perLine));
    for (let i = 0; i < row.length; i++) {
      const isMasked = row[i] !== 0;
      if (isMasked) masked++;
      cells.push({ x: (i % perLine) * cw, y: y + Math.floor(i / perLine) * ch, w: cw, h: ch, masked: isMasked });
    }
    total += row.length;
    y += lines * ch + gap;
  }
  const width = Math.min(perLine, Math.max(1, longest)) * cw;
  const height = Math.max(ch, y - gap);
  const title = `${rows.length} mask row${rows.length === 1 ? '' : 's'}, ${masked} of ${total} masked`;
  return svgDocument(width, height, title, cellRects(cells, colors, false));
}

function isRowList(masks: ArrayLike<number> | ReadonlyArray<ArrayLike<number>>): masks is ReadonlyArray<ArrayLike<number>> {
  return Array.isArray(masks) && masks.length > 0 && typeof masks[0] !== 'number';
}
