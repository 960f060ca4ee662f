/**
 * The arithmetic ceiling of 128-bit WebAssembly SIMD on this core, for reading
 * the matrix-product kernel's rate (`bench/matmul.ts`): a loop of twelve
 * independent f32x4 multiply-adds on registers, no memory access, as
 * `f32x4.mul` + `f32x4.add` (what the plain kernel issues) and, where relaxed
 * SIMD is on, `f32x4.relaxed_madd`. GFLOP/s per CPU-second, best of 5.
 * Needs the `wabt` dev dependency.
 *
 *     npm run build && node [--experimental-wasm-relaxed-simd] dist/bench/simd-peak.js
 */
import { fusedMultiplyAddSupported } from '../src/backend/batched-matmul';

interface Wabt {
  parseWat(name: string, text: string, features: object): { validate(features: object): void; toBinary(o: object): { buffer: Uint8Array } };
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { run(n: number): number } };
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const ACCUMULATORS = 12;

/** The loop's text: each iteration does ACCUMULATORS f32x4 multiply-adds. */
function loopWat(fused: boolean): string {
  const ids = Array.from({ length: ACCUMULATORS }, (_, i) => `$c${i}`);
  const step = ids
    .map((c) => (fused
      ? `(local.set ${c} (f32x4.relaxed_madd (local.get $x) (local.get $y) (local.get ${c})))`
      : `(local.set ${c} (f32x4.add (local.get ${c}) (f32x4.mul (local.get $x) (local.get $y))))`))
    .join('\n');
  const sum = ids.map((c) => `(local.get ${c})`).reduce((a, b) => `(f32x4.add ${a} ${b})`);
  return `(module (func (export "run") (param $n i32) (result f32) (local $x v128) (local $y v128) ${ids.map((c) => `(local ${c} v128)`).join(' ')}
    (local.set $x (f32x4.splat (f32.const 1.0000001))) (local.set $y (f32x4.splat (f32.const 0.9999999)))
    (loop $l ${step} (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))
    (f32x4.extract_lane 0 ${sum})))`;
}

async function gflops(fused: boolean): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wabt = await (require('wabt') as () => Promise<Wabt>)();
  const features = { simd: true, relaxed_simd: fused };
  const module = wabt.parseWat('peak.wat', loopWat(fused), features);
  module.validate(features);
  const { run } = new webAssembly.Instance(new webAssembly.Module(module.toBinary({}).buffer)).exports;
  const n = 2e7;
  run(1e6); // warm-up
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const c0 = process.cpuUsage();
    run(n);
    const c = process.cpuUsage(c0);
    best = Math.max(best, (n * ACCUMULATORS * 8) / ((c.user + c.system) / 1e6) / 1e9);
  }
  return best;
}

async function main(): Promise<void> {
  // eslint-disable-next-line no-console
  console.log(`f32x4 mul + add: ${(await gflops(false)).toFixed(1)} GFLOP/s per CPU-second`);
  // eslint-disable-next-line no-console
  console.log(fusedMultiplyAddSupported() ? `f32x4.relaxed_madd: ${(await gflops(true)).toFixed(1)} GFLOP/s per CPU-second` : 'f32x4.relaxed_madd: not supported by this Node.js (Node 20: --experimental-wasm-relaxed-simd)');
}

main().catch((err: unknown) => {
  // eslint-disable-next-line no-console
  console.error(err);
  process.exit(1);
});
