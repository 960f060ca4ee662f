/**
 * Where a process's resident set lies (spec §6, long runs in bounded memory), from
 * Linux's `/proc/self/smaps`, so that a soak can tell which kind of memory moves:
 *
 * - the wasm heap: the pages of the tfjs wasm memory that have been touched. The heap
 *   spans a fixed size once grown (judged separately), and its allocator places
 *   blocks of varying size at addresses not used before for a while, so its resident
 *   part can rise after warm-up towards that span, and never above it;
 * - the C heap (`[heap]`, glibc's main arena, grown with brk);
 * - other anonymous memory: the JavaScript heap, thread stacks and arenas, other wasm
 *   memories (the matrix-product threads' shared memory);
 * - mapped files (code, shared libraries).
 *
 * The wasm heap is the anonymous read-write mapping exactly as long as the memory's
 * buffer (V8 commits a wasm memory as one mapping at the start of its reservation).
 */
import * as fs from 'fs';

/** Resident MB by kind of mapping. */
export interface ResidentBreakdown {
  /** Resident part of the tfjs wasm heap; null when no mapping matched its size. */
  wasmHeapMb: number | null;
  /** Resident part of the C heap (`[heap]`). */
  cHeapMb: number;
  /** Other anonymous mappings (JavaScript heap, thread stacks and arenas, other wasm memories). */
  otherAnonMb: number;
  /** File-backed mappings and the rest (`[stack]`, `[vdso]`...). */
  fileMb: number;
}

const MB = 2 ** 20;

/** The breakdown of an smaps text; `wasmHeapBytes` (the tfjs heap's byte length) picks out its mapping. */
export function parseSmaps(text: string, wasmHeapBytes?: number): ResidentBreakdown {
  let wasm: number | null = null;
  let cHeap = 0;
  let anon = 0;
  let file = 0;
  let size = 0;
  let name = '';
  let writable = false;
  const add = (rssBytes: number) => {
    if (name === '' && writable && wasm === null && wasmHeapBytes !== undefined && size === wasmHeapBytes) wasm = rssBytes;
    else if (name === '[heap]') cHeap += rssBytes;
    else if (name === '') anon += rssBytes;
    else file += rssBytes;
  };
  for (const line of text.split('\n')) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+ *(.*)$/.exec(line);
    if (mapping) {
      size = parseInt(mapping[2], 16) - parseInt(mapping[1], 16);
      writable = mapping[3][1] === 'w';
      name = mapping[4].trim();
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) add(Number(rss[1]) * 1024);
  }
  return { wasmHeapMb: wasm === null ? null : wasm / MB, cHeapMb: cHeap / MB, otherAnonMb: anon / MB, fileMb: file / MB };
}

/** This process's breakdown now, or undefined where `/proc/self/smaps` cannot be read (not Linux). */
export function residentBreakdown(wasmHeapBytes?: number): ResidentBreakdown | undefined {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  return parseSmaps(text, wasmHeapBytes);
}
