/**
 * IDX files, the format MNIST and Fashion-MNIST ship in (data layer for the
 * image experiments of spec §7; format from Y. LeCun's MNIST page): a 4-byte
 * magic `0x00 0x00 <type> <ndims>`, then `ndims` big-endian uint32 sizes, then
 * the values in row-major order. Files may be gzip-compressed (detected from
 * the gzip magic bytes, not the file name). Only unsigned bytes (type 0x08)
 * are supported, which is what image and label files use.
 */
import * as fs from 'fs';
import { withFile } from '../util/io-error';
import * as zlib from 'zlib';

/** An n-dimensional array of unsigned bytes read from or written to an IDX file. */
export interface IdxArray {
  /** Sizes of each dimension, outermost first (e.g. `[60000, 28, 28]`). */
  shape: number[];
  /** The values, row-major; length is the product of `shape`. */
  data: Uint8Array;
}

/** IDX data-type code for unsigned bytes, the only type this reader handles. */
export const IDX_UBYTE = 0x08;

/** The largest number of dimensions accepted (N, H, W, C). */
export const IDX_MAX_DIMS = 4;

const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Parse the bytes of an (uncompressed) IDX file. `file` names the source in
 * error messages.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new Error(`IDX file ${file} is truncated: it has ${bytes.length} bytes, fewer than the 4-byte header; download or regenerate it.`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${file} is not an IDX file: its magic number is ${magic}, but an IDX file starts with 00 00 <type> <ndims>; check the path.`);
  }
  const type = bytes[2];
  const ndims = bytes[3];
  if (type !== IDX_UBYTE) {
    const name = IDX_TYPE_NAMES[type] ?? 'unknown';
    throw new Error(`IDX file ${file} holds data type 0x${type.toString(16).padStart(2, '0')} (${name}); only unsigned bytes (0x08) are supported, so convert the file to uint8.`);
  }
  if (ndims < 1 || ndims > IDX_MAX_DIMS) {
    throw new Error(`IDX file ${file} declares ${ndims} dimensions; only 1 to ${IDX_MAX_DIMS} are supported.`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new Error(`IDX file ${file} is truncated: it has ${bytes.length} bytes, fewer than its ${headerBytes}-byte header; download or regenerate it.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const expected = headerBytes + product(shape);
  if (bytes.length < expected) {
    throw new Error(
      `IDX file ${file} is truncated: its header promises shape [${shape.join(', ')}] (${expected} bytes) but it has ${bytes.length} bytes; download or regenerate it.`,
    );
  }
  if (bytes.length > expected) {
    throw new Error(
      `IDX file ${file} has ${bytes.length - expected} bytes after the data its header describes (shape [${shape.join(', ')}]); the file is damaged, download or regenerate it.`,
    );
  }
  // Copy so the result does not keep the whole file buffer alive.
  return { shape, data: bytes.slice(headerBytes, expected) };
}

/**
 * Read an IDX file, plain or gzip-compressed. Throws one clear sentence naming
 * the file when it is missing, cannot be inflated, is truncated, has a wrong
 * magic number, or holds an unsupported data type.
 */
export function readIdx(file: string): IdxArray {
  const raw = withFile('read the IDX file', file, () => fs.readFileSync(file));
  let bytes: Uint8Array = raw;
  if (isGzip(raw)) {
    try {
      bytes = zlib.gunzipSync(raw);
    } catch (e) {
      throw new Error(`cannot inflate gzip file ${file} (${(e as Error).message}); the file is damaged or incomplete, download or regenerate it.`);
    }
  } else if (file.endsWith('.gz')) {
    throw new Error(`${file} is named .gz but is not gzip data; rename it without .gz if it is a plain IDX file, or download it again.`);
  }
  return parseIdx(bytes, file);
}

/** Encode an array as IDX bytes (uncompressed). */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { shape, data } = array;
  if (shape.length < 1 || shape.length > IDX_MAX_DIMS) {
    throw new Error(`cannot encode IDX with ${shape.length} dimensions; only 1 to ${IDX_MAX_DIMS} are supported.`);
  }
  if (product(shape) !== data.length) {
    throw new Error(`cannot encode IDX: shape [${shape.join(', ')}] needs ${product(shape)} values but data has ${data.length}.`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + data.length);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = shape.length;
  shape.forEach((size, d) => view.setUint32(4 + 4 * d, size, false));
  out.set(data, headerBytes);
  return out;
}

/**
 * Write an array as an IDX file; gzip-compressed (level 9) when the name ends
 * in `.gz`. Node's gzip header carries no timestamp, so the output is
 * byte-identical across runs with the same zlib.
 */
export function writeIdx(file: string, array: IdxArray): void {
  const bytes = encodeIdx(array);
  withFile('write the IDX file', file, () => fs.writeFileSync(file, file.endsWith('.gz') ? zlib.gzipSync(bytes, { level: 9 }) : bytes));
}
