/**
 * The committed kernel binary (src/backend/kernels/batched-matmul-wasm.ts) is the
 * assembly of its source, batched-matmul.wat (rebuild with kernels/assemble.ts
 * after editing the .wat), and its exports keep their contract.
 */
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { BATCHED_MATMUL_WASM_BASE64 } from '../../src/backend/kernels/batched-matmul-wasm';
import { BATCHED_MATMUL_WAT as KERNEL_WAT, assembleKernels, embeddedModuleSource } from '../../src/backend/kernels/assemble';

/** The WebAssembly JS API (the project's lib setting has no DOM types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => object;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

describe('embedded batched matMul wasm binary', () => {
  it('is exactly what assemble.ts writes from batched-matmul.wat', async function () {
    try {
      require.resolve('wabt');
    } catch {
      this.skip(); // the assembler is a dev dependency
    }
    const committed = readFileSync(resolve(KERNEL_WAT, '..', 'batched-matmul-wasm.ts'), 'utf8');
    const fresh = embeddedModuleSource(await assembleKernels());
    expect(committed === fresh, 'batched-matmul-wasm.ts is stale: run node dist/src/backend/kernels/assemble.js').to.equal(true);
  });

  it('exports the kernel and its scratch size for an m×k A and n columns', () => {
    const bytes = Buffer.from(BATCHED_MATMUL_WASM_BASE64, 'base64');
    const memory = new webAssembly.Memory({ initial: 1 });
    const { exports } = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } });
    const scratch = exports.scratch_bytes as (m: number, n: number, k: number, aRow: number) => number;
    // tile 128 B + A panels of 16k B (⌈m/4⌉ of them for a transposed A, aRow = 1, with
    // k >= 128; else one) + a block of B panels of 32k B each: all ⌈n/8⌉ panels while
    // they fit in 128 KiB (4096/k panels), else that many (at least 1).
    expect(scratch(50, 50, 16, 16)).to.equal(128 + 16 * 16 + 7 * 32 * 16);
    expect(scratch(50, 50, 16, 1)).to.equal(128 + 16 * 16 + 7 * 32 * 16);
    expect(scratch(9, 7, 3, 3)).to.equal(128 + 16 * 3 + 1 * 32 * 3);
    expect(scratch(9, 90, 600, 600)).to.equal(128 + 16 * 600 + 6 * 32 * 600);
    expect(scratch(9, 90, 600, 1)).to.equal(128 + 3 * 16 * 600 + 6 * 32 * 600);
    expect(scratch(9, 17, 5000, 1)).to.equal(128 + 3 * 16 * 5000 + 1 * 32 * 5000);
    expect(scratch(9, 17, 0, 1)).to.equal(128);
    expect(exports.bmm).to.be.a('function');
  });
});
