/**
 * A restricted reader for PyTorch checkpoints (`pytorch_model.bin`, the zip format of
 * `torch.save` since PyTorch 1.6: `<archive>/data.pkl` plus one file per storage in
 * `<archive>/data/<key>`). The pickle is interpreted by a small stack machine that
 * knows only the opcodes a state dict needs and only these globals: tensor rebuilds
 * (`torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`), the storage types
 * (`torch.FloatStorage`, …) and `collections.OrderedDict`. Any other global, and any
 * opcode that builds arbitrary objects, stops the read with a one-line error:
 * a checkpoint never runs code here. The zip is read with `fflate`.
 */
import { unzipSync } from 'fflate';
import { decodeTensorBytes, SafetensorsReadEntry } from '../train/safetensors';

/** Storage class → dtype (safetensors names). */
const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64', LongStorage: 'I64',
  IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8', BoolStorage: 'BOOL',
};
const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

interface StorageType { storageDtype: string }
interface StorageRef { dtype: string; key: string; numel: number }
interface TensorRef { tensor: true; storage: StorageRef; offset: number; shape: number[]; stride: number[] }
type Callable = (...args: unknown[]) => unknown;
const MARK = Symbol('mark');

function isTensor(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as TensorRef).tensor === true;
}

/** The only globals a checkpoint may name. */
function allowedGlobal(module: string, name: string): unknown {
  const full = `${module}.${name}`;
  if (full === 'collections.OrderedDict') return (() => new Map()) as Callable;
  if (full === 'torch._utils._rebuild_tensor_v2') {
    return ((storage: StorageRef, offset: number, shape: number[], stride: number[]): TensorRef => ({ tensor: true, storage, offset, shape, stride })) as Callable;
  }
  if (full === 'torch._utils._rebuild_parameter') return ((data: unknown) => data) as Callable;
  if (module === 'torch' && STORAGE_DTYPES[name] !== undefined) return { storageDtype: STORAGE_DTYPES[name] } as StorageType;
  return undefined;
}

/** Interpret a pickle with the allow-list above; `source` names the file in errors. */
export function restrictedUnpickle(bytes: Uint8Array, source: string): unknown {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}; only tensors, storages and ordered dicts are read (a checkpoint must never run code), so convert it to model.safetensors with transformers if you trust it.`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new Error(`${source}: the pickle ends in the middle of an instruction (truncated or corrupt file).`);
  };
  const u8 = () => { need(1); return bytes[pos++]; };
  const u16 = () => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const take = (n: number) => { need(n); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const line = () => { const end = bytes.indexOf(0x0a, pos); if (end < 0) fail('a GLOBAL instruction has no end of line'); const s = utf8.decode(bytes.subarray(pos, end)); pos = end + 1; return s; };
  const pop = () => { if (stack.length === 0) fail('the pickle pops an empty stack (corrupt file)'); return stack.pop(); };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('the pickle has no MARK where one is needed (corrupt file)');
    const items = stack.splice(i);
    return items.slice(1);
  };
  const global = (module: string, name: string) => {
    const g = allowedGlobal(module, name);
    if (g === undefined) fail(`refers to the Python global ${module}.${name}, which this reader refuses`);
    stack.push(g);
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) fail('the pickle sets items on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x28: stack.push(MARK); break; // MARK
      case 0x71: memo.set(u8(), stack[stack.length - 1]); break; // BINPUT
      case 0x72: memo.set(u32(), stack[stack.length - 1]); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, stack[stack.length - 1]); break; // MEMOIZE
      case 0x68: stack.push(memo.get(u8())); break; // BINGET
      case 0x6a: stack.push(memo.get(u32())); break; // LONG_BINGET
      case 0x58: stack.push(utf8.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x55: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x54: stack.push(utf8.decode(take(u32()))); break; // BINSTRING
      case 0x43: stack.push(take(u8())); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32())); break; // BINBYTES
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: { need(4); stack.push(view.getInt32(pos, true)); pos += 4; break; } // BININT
      case 0x8a: { // LONG1
        const n = u8();
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        break;
      }
      case 0x47: { need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4e: stack.push(null); break;
      case 0x63: { const module = line(); global(module, line()); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); global(String(module), String(name)); break; } // STACK_GLOBAL
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break;
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; }
      case 0x87: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; }
      case 0x51: { // BINPERSID: ('storage', type, key, location, numel)
        const pid = pop() as unknown[];
        const type = Array.isArray(pid) ? (pid[1] as StorageType | undefined) : undefined;
        if (!Array.isArray(pid) || pid[0] !== 'storage' || type?.storageDtype === undefined) fail('has a persistent reference that is not a tensor storage');
        stack.push({ dtype: (type as StorageType).storageDtype, key: String(pid[2]), numel: Number(pid[4]) } as StorageRef);
        break;
      }
      case 0x52: { // REDUCE: only the allowed callables
        const args = pop() as unknown[];
        const fn = pop();
        if (typeof fn !== 'function') fail('calls something that is not an allowed function');
        stack.push((fn as Callable)(...args));
        break;
      }
      case 0x62: pop(); break; // BUILD: state (the state dict's `_metadata`) is not needed
      case 0x73: { const v = pop(); const k = pop(); setItems(stack[stack.length - 1], [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(stack[stack.length - 1], items); break; } // SETITEMS
      case 0x61: { const v = pop(); (stack[stack.length - 1] as unknown[]).push(v); break; } // APPEND
      case 0x65: { const items = popMark(); (stack[stack.length - 1] as unknown[]).push(...items); break; } // APPENDS
      default:
        fail(`uses pickle opcode 0x${op.toString(16)} at byte ${pos - 1}, which this reader refuses`);
    }
  }
}

/** Copy a (possibly strided) tensor view of a storage into a dense row-major entry. */
function materialize(name: string, t: TensorRef, storageBytes: Uint8Array, source: string): SafetensorsReadEntry {
  const { dtype } = t.storage;
  const size = BYTES[dtype];
  const count = t.shape.reduce((a, b) => a * b, 1);
  const dense = new Uint8Array(count * size);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = t.offset;
    for (let d = 0; d < index.length; d++) at += index[d] * t.stride[d];
    if ((at + 1) * size > storageBytes.length) throw new Error(`${source}: tensor "${name}" reads past the end of its storage (corrupt file).`);
    dense.set(storageBytes.subarray(at * size, (at + 1) * size), i * size);
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < t.shape[d]) break;
      index[d] = 0;
    }
  }
  const decoded = decodeTensorBytes(dense, dtype, count, () => {
    throw new Error(`${source}: tensor "${name}" has an I64 value outside the int32 range.`);
  });
  return { ...decoded, shape: [...t.shape], storedDtype: dtype };
}

/** Read the state dict of a zip-format `torch.save` file, refusing anything but tensors. */
export function readTorchCheckpoint(bytes: Uint8Array, source: string): Map<string, SafetensorsReadEntry> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new Error(`${source} is not a zip-format PyTorch checkpoint (${(e as Error).message}); files saved before PyTorch 1.6 must be re-saved with torch.save or converted to model.safetensors.`);
  }
  const pkl = Object.keys(files).filter((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  if (pkl.length !== 1) throw new Error(`${source} holds ${pkl.length} data.pkl entries, expected exactly one (not a torch.save checkpoint).`);
  const prefix = pkl[0].slice(0, pkl[0].length - 'data.pkl'.length);
  const root = restrictedUnpickle(files[pkl[0]], source);
  if (!(root instanceof Map)) throw new Error(`${source} does not hold a state dict (a dict of tensors) at its top level.`);
  const out = new Map<string, SafetensorsReadEntry>();
  for (const [name, value] of root as Map<unknown, unknown>) {
    if (!isTensor(value)) throw new Error(`${source}: entry "${String(name)}" is not a tensor; only a flat state dict of tensors is read.`);
    const storage = files[`${prefix}data/${value.storage.key}`];
    if (storage === undefined) throw new Error(`${source}: the storage of tensor "${String(name)}" (data/${value.storage.key}) is missing (truncated or corrupt file).`);
    out.set(String(name), materialize(String(name), value, storage, source));
  }
  return out;
}
