/**
 * The HuggingFace safetensors format (design: "weights others can read"; spec §6
 * checkpoints), following `huggingface/safetensors` `safetensors/src/tensor.rs`:
 *
 *   [8 bytes: N, unsigned little-endian] [N bytes: JSON header, padded with spaces
 *   to a multiple of 8] [tensor bytes, little-endian, C order]
 *
 * The header maps each tensor name to `{"dtype","shape","data_offsets":[begin,end]}`
 * (offsets relative to the start of the data section) and may hold a
 * `"__metadata__"` map of strings. Writing follows the reference serializer:
 * tensors ordered by dtype alignment (descending), then by name; `__metadata__`
 * first; compact JSON. Reading accepts any order but, like the reference, requires
 * the tensors to tile the data section exactly.
 *
 * Written tensors are F32 or I32. Read tensors come back as F32 (from F32, F16,
 * BF16, F64) or I32 (from I32, I64, I16, I8, U8, BOOL); `storedDtype` says what
 * the file held.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';
import * as tf from '@tensorflow/tfjs';
import { errnoCode, fileErrorMessage, removeQuietly } from '../util/io-error';

/** A tensor as raw values and a shape (row-major). */
export interface SafetensorsEntry {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** A tensor read from a file. */
export interface SafetensorsReadEntry extends SafetensorsEntry {
  dtype: 'F32' | 'I32';
  /** The dtype stored in the file (e.g. 'F16' for a half-precision checkpoint converted to F32). */
  storedDtype: string;
}

/** Contents of a safetensors file. */
export interface SafetensorsContents {
  tensors: Map<string, SafetensorsReadEntry>;
  metadata: Record<string, string>;
}

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** Called after the temporary file is written and synced, just before it is renamed over the target (for crash tests). */
  beforeRename?: (tempPath: string) => void;
}

/** The reference's header size limit (`MAX_HEADER_SIZE`). */
const MAX_HEADER_BYTES = 100_000_000;

/** Element sizes of the dtypes this module reads, and their rank in the reference's alignment order (`Dtype` enum). */
const DTYPES: Record<string, { bytes: number; order: number }> = {
  BOOL: { bytes: 1, order: 0 }, U8: { bytes: 1, order: 1 }, I8: { bytes: 1, order: 2 }, I16: { bytes: 2, order: 5 },
  F16: { bytes: 2, order: 7 }, BF16: { bytes: 2, order: 8 }, I32: { bytes: 4, order: 9 }, F32: { bytes: 4, order: 11 },
  F64: { bytes: 8, order: 12 }, I64: { bytes: 8, order: 13 },
};

function assertLittleEndianHost(): void {
  if (os.endianness() !== 'LE') throw new Error('safetensors files are little-endian and this machine is big-endian; reading and writing them is not supported here.');
}

function numElements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function bytesOf(data: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Header bytes (padded) and the tensors in file order, per the reference serializer. */
function prepare(tensors: Map<string, SafetensorsEntry>, metadata: Record<string, string> | undefined): { header: Buffer; ordered: [string, SafetensorsEntry][] } {
  const ordered = [...tensors].map(([name, t]) => {
    const dtype = t.data instanceof Float32Array ? 'F32' : t.data instanceof Int32Array ? 'I32' : undefined;
    if (dtype === undefined) throw new Error(`safetensors: tensor "${name}" holds neither a Float32Array nor an Int32Array.`);
    if (name === '__metadata__') throw new Error('safetensors: "__metadata__" is reserved and cannot be a tensor name.');
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`safetensors: tensor "${name}" has shape [${t.shape}]; dimensions must be integers >= 0.`);
    if (numElements(t.shape) !== t.data.length) {
      throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values but shape [${t.shape}] needs ${numElements(t.shape)}.`);
    }
    return { name, t, dtype, key: Buffer.from(name, 'utf8') };
  });
  ordered.sort((a, b) => DTYPES[b.dtype].order - DTYPES[a.dtype].order || Buffer.compare(a.key, b.key));
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata "${k}" must be a string, got ${typeof v}.`);
    }
    const entries = Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    parts.push(`"__metadata__":{${entries.join(',')}}`);
  }
  let offset = 0;
  for (const { name, t, dtype } of ordered) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  json.copy(padded);
  return { header: padded, ordered: ordered.map(({ name, t }) => [name, t]) };
}

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** Serialize tensors to safetensors bytes in memory (the same bytes {@link writeSafetensors} puts in a file). */
export function serializeSafetensors(tensors: Map<string, SafetensorsEntry>, metadata?: Record<string, string>): Buffer {
  assertLittleEndianHost();
  const { header, ordered } = prepare(tensors, metadata);
  return Buffer.concat([lengthPrefix(header.length), header, ...ordered.map(([, t]) => bytesOf(t.data))]);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Write tensors to `path` atomically: the bytes go to `<path>.tmp-<pid>`, which
 * is synced and then renamed over `path`, and the directory is synced. A crash
 * leaves either the old file or the new one at `path`, never a partial file.
 */
export function writeSafetensors(
  path: string,
  tensors: Map<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
  options: WriteSafetensorsOptions = {},
): void {
  assertLittleEndianHost();
  const { header, ordered } = prepare(tensors, metadata);
  const tempPath = `${path}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tempPath, 'w');
    writeAll(fd, lengthPrefix(header.length));
    writeAll(fd, header);
    for (const [, t] of ordered) writeAll(fd, bytesOf(t.data));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    options.beforeRename?.(tempPath);
    fs.renameSync(tempPath, path);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    removeQuietly(tempPath);
    const what = errnoCode(error) ? fileErrorMessage(error, 'write the safetensors file', path).replace(/\.$/, '') : `cannot write the safetensors file ${path}: ${error instanceof Error ? error.message : String(error)}`;
    throw new Error(`${what}; any previous file there is unchanged.`, { cause: error });
  }
  syncDirectory(nodePath.dirname(nodePath.resolve(path)));
}

/** Make a rename durable. Some platforms (Windows) cannot open a directory for syncing; there the rename is already as durable as it gets. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // not supported on this platform
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Read a safetensors file; errors name the file and what is wrong with it. */
export function readSafetensors(path: string): SafetensorsContents {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    throw new Error(fileErrorMessage(error, 'read the safetensors file', path), { cause: error });
  }
  return parseSafetensors(bytes, path);
}

/** Parse safetensors bytes; `source` names the file in error messages. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsContents {
  assertLittleEndianHost();
  function fail(what: string): never {
    throw new Error(`${source} is not a valid safetensors file: ${what}.`);
  }
  if (bytes.length < 8) fail(`it is ${bytes.length} bytes long, shorter than the 8-byte header length field (truncated or empty file)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = view.getBigUint64(0, true);
  if (headerBytes > BigInt(MAX_HEADER_BYTES)) fail(`the header length field says ${headerBytes} bytes, more than the 100 MB limit (corrupt file, or not a safetensors file)`);
  const n = Number(headerBytes);
  if (8 + n > bytes.length) fail(`the header should be ${n} bytes but the file has only ${bytes.length - 8} bytes after the length field (truncated file)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    fail(`its header is not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('its header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const infos: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('"__metadata__" is not an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__" entry "${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const dtype = info?.dtype;
    const shape = info?.shape;
    const offsets = info?.data_offsets;
    if (typeof dtype !== 'string') fail(`tensor "${name}" has no dtype`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor "${name}" has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) fail(`tensor "${name}" has no valid data_offsets`);
    const spec = DTYPES[dtype as string];
    if (spec === undefined) fail(`tensor "${name}" has dtype ${dtype}, which this reader does not support (supported: ${Object.keys(DTYPES).join(', ')})`);
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`tensor "${name}" has data_offsets [${begin}, ${end}] that end before they begin`);
    if (end > dataLength) fail(`tensor "${name}" ends at byte ${end} of the data section, which has only ${dataLength} bytes (truncated file)`);
    const needed = numElements(shape as number[]) * spec.bytes;
    if (end - begin !== needed) fail(`tensor "${name}" occupies ${end - begin} bytes but ${dtype} with shape [${shape}] needs ${needed}`);
    infos.push({ name, dtype: dtype as string, shape: shape as number[], begin, end });
  }
  const byOffset = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const t of byOffset) {
    if (t.begin !== expected) fail(`tensor "${t.name}" starts at byte ${t.begin} of the data section, expected ${expected} (tensors must tile the data section without gaps or overlaps)`);
    expected = t.end;
  }
  if (expected !== dataLength) fail(`the tensors cover ${expected} bytes but the data section has ${dataLength} (trailing bytes)`);
  const tensors = new Map<string, SafetensorsReadEntry>();
  for (const t of infos) {
    const raw = bytes.subarray(dataStart + t.begin, dataStart + t.end);
    tensors.set(t.name, { ...decodeTensorBytes(raw, t.dtype, numElements(t.shape), () => fail(`tensor "${t.name}" has an I64 value outside the int32 range`)), shape: t.shape, storedDtype: t.dtype });
  }
  return { tensors, metadata };
}

/**
 * Convert raw little-endian bytes of a stored dtype (F32, F16, BF16, F64, I64, I32,
 * I16, I8, U8, BOOL) to float32 or int32 values; `outOfRange` is called for an I64
 * value outside the int32 range. Also used for PyTorch storages.
 */
export function decodeTensorBytes(raw: Uint8Array, dtype: string, count: number, outOfRange: () => never): { data: Float32Array | Int32Array; dtype: 'F32' | 'I32' } {
  // Copy into a fresh, aligned buffer: offsets in a file need not be aligned.
  const copy = new Uint8Array(raw);
  const v = new DataView(copy.buffer);
  switch (dtype) {
    case 'F32':
      return { data: new Float32Array(copy.buffer, 0, count), dtype: 'F32' };
    case 'I32':
      return { data: new Int32Array(copy.buffer, 0, count), dtype: 'I32' };
    case 'F64':
      return { data: Float32Array.from(new Float64Array(copy.buffer, 0, count)), dtype: 'F32' };
    case 'F16':
      return { data: Float32Array.from({ length: count }, (_, i) => halfToFloat(v.getUint16(2 * i, true))), dtype: 'F32' };
    case 'BF16': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = v.getUint16(2 * i, true) << 16;
      return { data: out, dtype: 'F32' };
    }
    case 'I64':
      return {
        data: Int32Array.from({ length: count }, (_, i) => {
          const x = v.getBigInt64(8 * i, true);
          if (x > 2147483647n || x < -2147483648n) outOfRange();
          return Number(x);
        }),
        dtype: 'I32',
      };
    case 'I16':
      return { data: Int32Array.from({ length: count }, (_, i) => v.getInt16(2 * i, true)), dtype: 'I32' };
    case 'I8':
      return { data: Int32Array.from(new Int8Array(copy.buffer, 0, count)), dtype: 'I32' };
    default: // U8, BOOL
      return { data: Int32Array.from(copy.subarray(0, count)), dtype: 'I32' };
  }
}

/** IEEE 754 half precision bits to a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Read values of tfjs tensors into safetensors entries (float32 → F32; int32 and bool → I32), with awaited reads issued together. */
export async function tensorsToEntries(tensors: Map<string, tf.Tensor>): Promise<Map<string, SafetensorsEntry>> {
  const out = new Map<string, SafetensorsEntry>();
  const read = await Promise.all([...tensors.values()].map((t) => t.data()));
  let i = 0;
  for (const [name, t] of tensors) {
    const values = read[i++];
    let data: Float32Array | Int32Array;
    if (t.dtype === 'float32') data = values as Float32Array;
    else if (t.dtype === 'int32') data = values as Int32Array;
    else if (t.dtype === 'bool') data = Int32Array.from(values as Uint8Array);
    else throw new Error(`safetensors: tensor "${name}" has dtype ${t.dtype}; only float32, int32 and bool tensors can be saved.`);
    out.set(name, { data, shape: [...t.shape] });
  }
  return out;
}

/** Write tfjs tensors to a safetensors file, atomically (see {@link writeSafetensors}). The tensors are not disposed. */
export async function saveSafetensors(path: string, tensors: Map<string, tf.Tensor>, metadata?: Record<string, string>, options?: WriteSafetensorsOptions): Promise<void> {
  writeSafetensors(path, await tensorsToEntries(tensors), metadata, options);
}

/** Read a safetensors file into tfjs tensors (float32 or int32; the caller disposes them). */
export function loadSafetensors(path: string): { tensors: Map<string, tf.Tensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = readSafetensors(path);
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) out.set(name, tf.tensor(t.data, t.shape, t.dtype === 'F32' ? 'float32' : 'int32'));
  return { tensors: out, metadata };
}
