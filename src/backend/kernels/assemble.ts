/**
 * Assembles `batched-matmul.wat` (the SIMD kernel behind the wasm `BatchMatMul`,
 * see `../batched-matmul.ts`) and `row-kernels.wat` (the fused layer norm,
 * softmax gradient, GELU and bias kernels, see `../row-kernels.ts`) with wabt
 * and writes `batched-matmul-wasm.ts` and `row-kernels-wasm.ts`, which embed
 * the binaries as base64. The binary is committed, so `npm install` and
 * `npm run build` need no assembler; after editing the .wat, rebuild with
 *
 *     npx tsc -p tsconfig.json && node dist/src/backend/kernels/assemble.js
 *
 * and rebuild again to compile the new embedded module. `test/backend/` checks
 * that the embedded bytes equal a fresh assembly of the .wat.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';

/** Folder of the kernel sources (`src/backend/kernels`), from `dist/` or `src/`. */
export const KERNEL_SOURCE_DIR = __dirname.endsWith(join('dist', 'src', 'backend', 'kernels'))
  ? resolve(__dirname, '../../../../src/backend/kernels')
  : __dirname;

/** The .wat source of the batched matrix-product kernel. */
export const BATCHED_MATMUL_WAT = resolve(KERNEL_SOURCE_DIR, 'batched-matmul.wat');

/** The .wat source of the fused row kernels. */
export const ROW_KERNELS_WAT = resolve(KERNEL_SOURCE_DIR, 'row-kernels.wat');

/** The part of the `wabt` package (a devDependency, loaded only here) used below. */
interface Wabt {
  parseWat(
    filename: string,
    text: string,
    features: { simd: boolean; relaxed_simd?: boolean; threads?: boolean },
  ): { validate(features?: { simd: boolean; relaxed_simd?: boolean; threads?: boolean }): void; toBinary(options: { canonicalize_lebs: boolean }): { buffer: Uint8Array }; destroy(): void };
}

/**
 * The fused variant of the kernel text: each `c += a·b` of the micro-kernel,
 * `(f32x4.add c (f32x4.mul a b))`, becomes the relaxed-SIMD fused multiply-add
 * `(f32x4.relaxed_madd a b c)` (one rounding instead of two).
 */
export function fusedMultiplyAddVariant(wat: string): string {
  const pattern = /\(f32x4\.add \(local\.get (\$c\d\d)\) \(f32x4\.mul \(local\.get (\$av)\) \(local\.get (\$b\d)\)\)\)/g;
  const count = wat.match(pattern)?.length ?? 0;
  if (count !== 8) throw new Error(`expected the 8 multiply-adds of the 4×8 micro-kernel, found ${count}.`);
  return wat.replace(pattern, '(f32x4.relaxed_madd (local.get $2) (local.get $3) (local.get $1))');
}

/** Pages (64 KiB) of the largest shared memory the kernel can import: 4 GiB. */
export const SHARED_MEMORY_MAX_PAGES = 65536;

/**
 * The shared-memory variant of the kernel text: the same code importing a
 * shared memory (`SharedArrayBuffer`), which worker threads can run on too.
 */
export function sharedMemoryVariant(wat: string): string {
  const plain = '(import "env" "memory" (memory 1))';
  if (!wat.includes(plain)) throw new Error(`expected the memory import ${plain}.`);
  return wat.replace(plain, `(import "env" "memory" (memory 1 ${SHARED_MEMORY_MAX_PAGES} shared))`);
}

/**
 * Assemble a .wat file (with SIMD) into a validated wasm binary; needs the `wabt`
 * dev dependency. `fused`: the relaxed-SIMD variant of {@link fusedMultiplyAddVariant};
 * `shared`: the variant of {@link sharedMemoryVariant}.
 */
export async function assembleWat(watPath: string, fused = false, shared = false): Promise<Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wabt = await (require('wabt') as () => Promise<Wabt>)();
  let text = readFileSync(watPath, 'utf8');
  if (fused) text = fusedMultiplyAddVariant(text);
  if (shared) text = sharedMemoryVariant(text);
  const features = { simd: true, relaxed_simd: fused, threads: shared };
  const module = wabt.parseWat(watPath, text, features);
  try {
    module.validate(features);
    return module.toBinary({ canonicalize_lebs: true }).buffer;
  } finally {
    module.destroy();
  }
}

/** The four assembled variants of the kernel: plain or fused, on an unshared or shared memory. */
export interface KernelBinaries {
  plain: Uint8Array;
  fused: Uint8Array;
  sharedPlain: Uint8Array;
  sharedFused: Uint8Array;
}

/** Assemble the four variants of `batched-matmul.wat`. */
export async function assembleKernels(watPath = BATCHED_MATMUL_WAT): Promise<KernelBinaries> {
  return {
    plain: await assembleWat(watPath),
    fused: await assembleWat(watPath, true),
    sharedPlain: await assembleWat(watPath, false, true),
    sharedFused: await assembleWat(watPath, true, true),
  };
}

/** A binary as a TypeScript string expression: base64 in lines of 100 characters. */
function base64Lines(bytes: Uint8Array): string {
  return (Buffer.from(bytes).toString('base64').match(/.{1,100}/g) ?? []).map((l) => `  '${l}'`).join(' +\n') + ';';
}

/** The TypeScript module text that embeds the kernel's variants. */
export function embeddedModuleSource(binaries: KernelBinaries): string {
  const lines = base64Lines;
  return [
    '/**',
    ' * The assembled `batched-matmul.wat` (WebAssembly SIMD) and its relaxed-SIMD',
    ' * fused multiply-add variant, each also importing a shared memory (for worker',
    ' * threads), base64. Generated by `assemble.ts`; do not edit by hand.',
    ' */',
    '/** The kernel module\'s binary, base64-encoded. */',
    'export const BATCHED_MATMUL_WASM_BASE64 =',
    lines(binaries.plain),
    '/** The same kernel with `f32x4.relaxed_madd` in its micro-kernel, base64-encoded. */',
    'export const BATCHED_MATMUL_FMA_WASM_BASE64 =',
    lines(binaries.fused),
    '/** The plain kernel importing a shared memory, base64-encoded. */',
    'export const BATCHED_MATMUL_SHARED_WASM_BASE64 =',
    lines(binaries.sharedPlain),
    '/** The fused kernel importing a shared memory, base64-encoded. */',
    'export const BATCHED_MATMUL_SHARED_FMA_WASM_BASE64 =',
    lines(binaries.sharedFused),
    '',
  ].join('\n');
}

/** The TypeScript module text that embeds the row kernels' binary. */
export function rowKernelsModuleSource(binary: Uint8Array): string {
  return [
    '/**',
    ' * The assembled `row-kernels.wat` (WebAssembly SIMD), base64. Generated by',
    ' * `assemble.ts`; do not edit by hand.',
    ' */',
    '/** The row kernels\' module binary, base64-encoded. */',
    'export const ROW_KERNELS_WASM_BASE64 =',
    base64Lines(binary),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const binaries = await assembleKernels();
  const out = resolve(KERNEL_SOURCE_DIR, 'batched-matmul-wasm.ts');
  writeFileSync(out, embeddedModuleSource(binaries));
  const rows = await assembleWat(ROW_KERNELS_WAT);
  const rowsOut = resolve(KERNEL_SOURCE_DIR, 'row-kernels-wasm.ts');
  writeFileSync(rowsOut, rowKernelsModuleSource(rows));
  // eslint-disable-next-line no-console
  console.log(`wrote ${out} (${binaries.plain.length} bytes of wasm per variant) and ${rowsOut} (${rows.length} bytes)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // eslint-disable-next-line no-console
    console.error(err);
    process.exit(1);
  });
}
