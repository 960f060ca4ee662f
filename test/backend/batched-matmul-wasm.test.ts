/**
 * The committed kernel binary (src/backend/kernels/batched-matmul-wasm.ts) is the
 * assembly of its source, batched-matmul.wat (rebuild with kernels/assemble.ts
 * after editing the .wat), and its exports keep their contract.
 */
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { BATCHED_MATMUL_WASM_BASE64 } from '../../src/backend/kernels/batched-matmul-wasm';
import { BATCHED_MATMUL_WAT, assembleWat, embeddedModuleSource } from '../../src/backend/kernels/assemble';

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
    const committed = readFileSync(resolve(BATCHED_MATMUL_WAT, '..', 'batched-matmul-wasm.ts'), 'utf8');
    const fresh = embeddedModuleSource(await assembleWat(BATCHED_MATMUL_WAT));
    expect(committed === fresh, 'batched-matmul-wasm.ts is stale: run node dist/src/backend/kernels/assemble.js').to.equal(true);
  });

  it('exports the kernel and its scratch size for n columns and inner size k', () => {
    const bytes = Buffer.from(BATCHED_MATMUL_WASM_BASE64, 'base64');
    const memory = new webAssembly.Memory({ initial: 1 });
    const { exports } = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } });
    const scratch = exports.scratch_bytes as (n: number, k: number) => number;
    // tile 128 B + A edge panel 16k B + B edge panel 32k B + floor(n/8) packed panels of 32k B
    expect(scratch(50, 16)).to.equal(128 + 16 * 16 + 32 * 16 + 6 * 32 * 16);
    expect(scratch(7, 3)).to.equal(128 + 16 * 3 + 32 * 3);
    expect(exports.bmm).to.be.a('function');
  });
});
