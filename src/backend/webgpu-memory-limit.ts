/**
 * The device-memory budget of the `webgpu` backend's buffer pool (platform facts,
 * "GPU through WebGPU"; the pool is `./webgpu-buffer-pool.ts`).
 *
 * Asked for with the `webgpuMemoryLimit` option of `initBackend('webgpu', …)`, else
 * `D2V_WEBGPU_MEMORY_LIMIT`: a size with its unit (`80GB` = 80·10⁹ bytes, `80GiB` =
 * 80·2³⁰; also B, kB/KiB, MB/MiB, TB/TiB; a number given to the option is bytes), or
 * `none`. A bare number in the text is refused: `80` bytes is never what was meant.
 *
 * Without either, the budget is {@link DEVICE_MEMORY_FRACTION} of the adapter's
 * largest device-local memory heap where the adapter reports its heaps
 * (`GPUAdapterInfo.memoryHeaps`, Dawn's `adapter-properties-memory-heaps`), else none.
 * The `webgpu` npm package 0.6.2 (Dawn for Node) reports no heaps: its adapter info
 * has vendor, architecture, device, description and subgroup sizes only, and the
 * feature is not in its adapter's feature list (checked on lavapipe; Dawn's Node
 * binding does not read the heaps), so there the default is no budget.
 */

/** Share of the largest device-local heap taken as the default budget (the rest: Dawn's own and the driver's allocations). */
export const DEVICE_MEMORY_FRACTION = 0.9;

/** `GPUHeapProperty.DEVICE_LOCAL` (Dawn's `wgpu::HeapProperty::DeviceLocal`). */
const HEAP_DEVICE_LOCAL = 0x1;

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** A memory budget asked for: bytes, `null` for none, `undefined` when nothing was asked (the default applies). */
export type RequestedMemoryLimit = number | null | undefined;

/** Bytes of `raw` (`80GB`, `1.5GiB`, `none` → null), or one sentence naming `source` and what to write. */
export function parseMemoryLimit(raw: string, source: string): number | null {
  const text = raw.trim().toLowerCase();
  if (text === 'none') return null;
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmgt]i?b|b)$/.exec(text);
  const bytes = m ? Math.round(Number(m[1]) * UNITS[m[2]]) : NaN;
  if (!(bytes > 0)) {
    throw new Error(`${source} is "${raw.trim()}", which is not a GPU memory size; write it with a unit (80GB = 80·10⁹ bytes, 80GiB = 80·2³⁰ bytes; also MB, MiB, TB, TiB), or none for no budget.`);
  }
  return bytes;
}

/** The budget asked for: the option (bytes, or text as the variable), then `D2V_WEBGPU_MEMORY_LIMIT`. */
export function requestedWebGpuMemoryLimit(option?: number | string, env: NodeJS.ProcessEnv = process.env): RequestedMemoryLimit {
  if (typeof option === 'number') {
    if (!(Number.isFinite(option) && option > 0)) throw new Error(`the webgpuMemoryLimit option is ${option}, which is not a GPU memory size; give a positive number of bytes, a size such as "80GB", or "none".`);
    return Math.floor(option);
  }
  if (option !== undefined) return parseMemoryLimit(option, 'the webgpuMemoryLimit option');
  const raw = env.D2V_WEBGPU_MEMORY_LIMIT;
  return raw === undefined || raw.trim() === '' ? undefined : parseMemoryLimit(raw, 'D2V_WEBGPU_MEMORY_LIMIT');
}

/** A memory heap as WebGPU adapters that report heaps describe it. */
interface MemoryHeapInfo {
  size: number | bigint;
  properties: number;
}

/** Bytes of the adapter's largest device-local memory heap, if its info lists heaps (`info.memoryHeaps`). */
export function deviceLocalMemory(info: { memoryHeaps?: readonly MemoryHeapInfo[] } | undefined): number | undefined {
  const heaps = info?.memoryHeaps;
  if (!Array.isArray(heaps)) return undefined;
  const sizes = heaps.filter((h) => (h.properties & HEAP_DEVICE_LOCAL) !== 0).map((h) => Number(h.size));
  const largest = Math.max(0, ...sizes);
  return largest > 0 ? largest : undefined;
}

/** The budget in force: what was asked for, else {@link DEVICE_MEMORY_FRACTION} of the device-local memory if known, else none (null). */
export function webGpuMemoryLimit(requested: RequestedMemoryLimit, deviceLocal: number | undefined): number | null {
  if (requested !== undefined) return requested;
  return deviceLocal === undefined ? null : Math.floor(DEVICE_MEMORY_FRACTION * deviceLocal);
}

/** `2.30 GB` (decimal, as the budget's `GB`). */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
