/**
 * Where the resident set lies (src/run/resident-memory.ts): an smaps text is split
 * into the wasm heap (the read-write anonymous mapping as long as the heap), the C
 * heap, other anonymous memory and files; and, on Linux, a wasm memory of this
 * process shows as resident exactly the pages written to it.
 */
import { expect } from 'chai';
import { parseSmaps, residentBreakdown } from '../../src/run/resident-memory';

const MB = 2 ** 20;

/** One smaps entry: the header line and its Rss line (kB). */
function entry(start: number, bytes: number, perms: string, name: string, rssKb: number): string {
  const hex = (n: number) => n.toString(16).padStart(12, '0');
  return `${hex(start)}-${hex(start + bytes)} ${perms} 00000000 00:00 0 ${name}\nSize: ${bytes / 1024} kB\nKernelPageSize: 4 kB\nRss: ${rssKb} kB\nPss: ${rssKb} kB\n`;
}

describe('resident memory breakdown', () => {
  it('splits an smaps text into the wasm heap, the C heap, other anonymous memory and files', () => {
    const heap = 515 * MB;
    const text = [
      entry(0x400000, 8 * MB, 'r-xp', '/usr/bin/node', 30 * 1024),
      entry(0x5000000, 64 * MB, 'rw-p', '[heap]', 41 * 1024),
      entry(0x7f0000000000, heap, 'rw-p', '', 453 * 1024),
      entry(0x7f0000000000 + heap, 10 * 2 ** 30 - heap, '---p', '', 0),
      entry(0x7f1000000000, heap, 'r--p', '', 2 * 1024), // same size but not writable: not the heap
      entry(0x7f2000000000, 32 * MB, 'rw-p', '', 20 * 1024),
      entry(0x7ff000000000, 132 * 1024, 'rw-p', '[stack]', 100),
    ].join('');
    const b = parseSmaps(text, heap);
    expect(b.wasmHeapMb).to.equal(453);
    expect(b.cHeapMb).to.equal(41);
    expect(b.otherAnonMb).to.equal(22);
    expect(b.fileMb).to.be.closeTo(30 + 100 / 1024, 1e-12);
    // no mapping of the heap's length (or no heap given): its pages count as other anonymous memory
    expect(parseSmaps(text, heap + 65536).wasmHeapMb).to.equal(null);
    expect(parseSmaps(text).otherAnonMb).to.equal(22 + 453);
  });

  it('finds a wasm memory of this process and counts only the pages written to it', function () {
    if (process.platform !== 'linux') this.skip();
    // 777 pages of 64 KiB: a length no other mapping of the process has
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;
    const memory = new wasm.Memory({ initial: 777 });
    const bytes = new Uint8Array(memory.buffer);
    const untouched = residentBreakdown(memory.buffer.byteLength)!;
    expect(untouched.wasmHeapMb).to.equal(0);
    for (let i = 0; i < 12 * MB; i += 4096) bytes[i] = 1;
    const touched = residentBreakdown(memory.buffer.byteLength)!;
    // 12 MB written (at most one more 2 MB page where the kernel backs it with huge pages)
    expect(touched.wasmHeapMb).to.be.within(12, 14);
    expect(bytes[0]).to.equal(1); // keep the memory alive until here
  });
});
