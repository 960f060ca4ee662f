/**
 * Fused row kernels on the wasm backend (platform facts: "wasm is the default
 * backend"; spec §1, §1.1: the layer norm, attention softmax and GELU of every
 * transformer block). tfjs 4.22 builds these from many small kernels: a layer
 * norm with its gradient is about 25 kernels (moments, subtract, divide, scale,
 * shift, and their gradients), GELU's gradient goes through `Exp` and `Erf` on
 * whole activations, softmax's gradient is four kernels, and a bias gradient
 * is a transpose and a sum over rows. Each kernel is a pass over memory plus a
 * JavaScript dispatch (measured: a third of a `tiny` image update was outside
 * kernels). `kernels/row-kernels.wat` does each in one SIMD pass or two over
 * each row, in place on the backend's heap.
 *
 * `registerRowKernels` registers them as wasm kernels (`D2vLayerNorm`,
 * `D2vLayerNormGrad`, `D2vSoftmaxGrad`, `D2vGelu`, `D2vGeluGrad`,
 * `D2vGeluWithDerivative` (GELU and its derivative from one evaluation, for
 * a forward pass whose gradient will be taken),
 * `D2vBiasAdd`, `D2vColumnSum`); the building blocks (`src/nn/layer-norm.ts`,
 * `activations.ts`, `softmax.ts`, `linear.ts`) call them through `tf.customGrad`
 * when `rowKernelsActive()`, and compose tfjs ops on the `cpu` and `tensorflow`
 * backends. On `webgpu` the same kernel names run WGSL shaders
 * (`webgpu-row-kernels.ts`), registered by `initBackend('webgpu')`.
 * `D2vAdamW` and `D2vEma` do an optimizer step and a teacher step per
 * parameter in one kernel instead of about 20 and 5 (each scalar operand is a
 * tensor too), in the same float32 operations and order, so their results are
 * bit-identical to the composed ones (`src/train/adamw.ts`,
 * `src/data2vec/ema-teacher.ts`); `D2vSumOfSquares` takes every gradient at
 * once for the global norm (`src/train/grad-clip.ts`: one kernel instead of
 * three per gradient; summed in another order, so equal to float32 rounding). They
 * run on the main thread: the tfjs heap cannot be shared with workers, and
 * all but GELU are memory-bound, so copying their operands to threads would
 * cost about what it saves (GELU, about 3 ns per value, would gain).
 */
import * as tf from '@tensorflow/tfjs';
import { ROW_KERNELS_WASM_BASE64 } from './kernels/row-kernels-wasm';
import { WasmBackendInternals, decodeBase64, heapOffset, importableHeap, instantiateOnHeap, webAssembly } from './wasm-module';

/** Exports of `kernels/row-kernels.wat` (byte offsets into the heap). */
interface RowKernelExports {
  layer_norm(x: number, y: number, stats: number, gamma: number, beta: number, rows: number, cols: number, eps: number): void;
  layer_norm_grad(x: number, stats: number, gamma: number, dy: number, dx: number, dgamma: number, dbeta: number, rows: number, cols: number): void;
  softmax_grad(y: number, dy: number, dx: number, rows: number, cols: number): void;
  gelu(x: number, y: number, n: number): void;
  gelu_grad(x: number, dy: number, dx: number, n: number): void;
  gelu_with_derivative(x: number, y: number, d: number, n: number): void;
  bias_add(x: number, b: number, y: number, rows: number, cols: number): void;
  column_sum(x: number, out: number, rows: number, cols: number): void;
  adamw(p: number, g: number, m: number, v: number, pOut: number, mOut: number, vOut: number, n: number,
    b1: number, c1: number, b2: number, c2: number, decay: number, scale: number, div: number, eps: number): void;
  ema(t: number, s: number, out: number, n: number, tau: number, rest: number): void;
  sum_squares(x: number, n: number): number;
}

let compiled: object | undefined;
const instances = new WeakMap<object, RowKernelExports | null>();
let installed = false;
let wanted = process.env.D2V_FUSED_KERNELS !== '0';

/**
 * Use the fused row kernels on wasm and webgpu (the default) or tfjs's composed ops
 * (`false`, or `D2V_FUSED_KERNELS=0`), e.g. to measure what they save.
 * Results differ only by float32 rounding.
 */
export function useRowKernels(enabled: boolean): void {
  wanted = enabled;
}

function kernelsFor(backend: WasmBackendInternals): RowKernelExports | undefined {
  let kernels = instances.get(backend);
  if (kernels === undefined) {
    kernels = instantiateOnHeap<RowKernelExports>(backend, () => {
      compiled ??= new webAssembly!.Module(decodeBase64(ROW_KERNELS_WASM_BASE64));
      return compiled;
    }) ?? null;
    instances.set(backend, kernels);
  }
  return kernels ?? undefined;
}

/**
 * Whether the fused row kernels run on the current backend: wasm (registered, SIMD),
 * or webgpu once its WGSL kernels are registered (`webgpu-row-kernels.ts`).
 */
export function rowKernelsActive(): boolean {
  if (!wanted) return false;
  const backend = tf.getBackend();
  if (backend === 'webgpu') return tf.getKernel('D2vAdamW', 'webgpu') !== undefined;
  if (!installed || backend !== 'wasm') return false;
  return kernelsFor(tf.backend() as unknown as WasmBackendInternals) !== undefined;
}

/** Rows and row length of a tensor whose last axis is the row. */
export function rowsOf(x: tf.TensorInfo): [number, number] {
  const cols = x.shape[x.shape.length - 1] ?? 1;
  return [cols === 0 ? 0 : tf.util.sizeFromShape(x.shape) / cols, cols];
}

type Kernel = (backend: WasmBackendInternals, k: RowKernelExports, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>) => tf.TensorInfo | tf.TensorInfo[];

const KERNELS: Record<string, Kernel> = {
  /** inputs x, gamma?, beta?; attrs eps → y (shape of x), stats [rows, 2] (mean, 1/σ). */
  D2vLayerNorm: (backend, k, { x, gamma, beta }, { eps }) => {
    const [rows, cols] = rowsOf(x);
    const y = backend.makeOutput(x.shape, 'float32');
    const stats = backend.makeOutput([rows, 2], 'float32');
    const at = (t: tf.TensorInfo | undefined) => (t === undefined ? 0 : heapOffset(backend, t.dataId, 'D2vLayerNorm'));
    k.layer_norm(at(x), at(y), at(stats), at(gamma), at(beta), rows, cols, eps as number);
    return [y, stats];
  },
  /** inputs x, stats, dy, gamma? → dx (and dgamma, dbeta with gamma). */
  D2vLayerNormGrad: (backend, k, { x, stats, dy, gamma }) => {
    const [rows, cols] = rowsOf(x);
    const dx = backend.makeOutput(x.shape, 'float32');
    const dgamma = gamma === undefined ? undefined : backend.makeOutput([cols], 'float32');
    const dbeta = gamma === undefined ? undefined : backend.makeOutput([cols], 'float32');
    const at = (t: tf.TensorInfo | undefined) => (t === undefined ? 0 : heapOffset(backend, t.dataId, 'D2vLayerNormGrad'));
    k.layer_norm_grad(at(x), at(stats), at(gamma), at(dy), at(dx), at(dgamma), at(dbeta), rows, cols);
    return dgamma === undefined || dbeta === undefined ? [dx] : [dx, dgamma, dbeta];
  },
  /** inputs y (softmax output), dy → dx, over the last axis. */
  D2vSoftmaxGrad: (backend, k, { y, dy }) => {
    const [rows, cols] = rowsOf(y);
    const dx = backend.makeOutput(y.shape, 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(backend, t.dataId, 'D2vSoftmaxGrad');
    k.softmax_grad(at(y), at(dy), at(dx), rows, cols);
    return dx;
  },
  D2vGelu: (backend, k, { x }) => {
    const y = backend.makeOutput(x.shape, 'float32');
    k.gelu(heapOffset(backend, x.dataId, 'D2vGelu'), heapOffset(backend, y.dataId, 'D2vGelu'), tf.util.sizeFromShape(x.shape));
    return y;
  },
  /** input x → y = GELU(x) and d = GELU'(x), each the shape of x (wasm only; the gradient is then dy·d). */
  D2vGeluWithDerivative: (backend, k, { x }) => {
    const y = backend.makeOutput(x.shape, 'float32');
    const d = backend.makeOutput(x.shape, 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(backend, t.dataId, 'D2vGeluWithDerivative');
    k.gelu_with_derivative(at(x), at(y), at(d), tf.util.sizeFromShape(x.shape));
    return [y, d];
  },
  D2vGeluGrad: (backend, k, { x, dy }) => {
    const dx = backend.makeOutput(x.shape, 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(backend, t.dataId, 'D2vGeluGrad');
    k.gelu_grad(at(x), at(dy), at(dx), tf.util.sizeFromShape(x.shape));
    return dx;
  },
  /** inputs x [..., n], bias [n] → x + bias. */
  D2vBiasAdd: (backend, k, { x, bias }) => {
    const [rows, cols] = rowsOf(x);
    const y = backend.makeOutput(x.shape, 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(backend, t.dataId, 'D2vBiasAdd');
    k.bias_add(at(x), at(bias), at(y), rows, cols);
    return y;
  },
  /** input x [..., n] → [n], the sum over every leading axis. */
  D2vColumnSum: (backend, k, { x }) => {
    const [rows, cols] = rowsOf(x);
    const out = backend.makeOutput([cols], 'float32');
    k.column_sum(heapOffset(backend, x.dataId, 'D2vColumnSum'), heapOffset(backend, out.dataId, 'D2vColumnSum'), rows, cols);
    return out;
  },
  /**
   * inputs param, grad, expAvg, expAvgSq; attrs beta1, beta2, decay, scale, div, eps
   * → [param', expAvg', expAvgSq'] (one AdamW step, see `adamw` in the .wat).
   */
  D2vAdamW: (backend, k, { param, grad, expAvg, expAvgSq }, a) => {
    const n = tf.util.sizeFromShape(param.shape);
    const outs = [param, expAvg, expAvgSq].map((t) => backend.makeOutput(t.shape, 'float32'));
    const at = (t: tf.TensorInfo) => heapOffset(backend, t.dataId, 'D2vAdamW');
    const f = (name: string) => a[name] as number;
    k.adamw(at(param), at(grad), at(expAvg), at(expAvgSq), at(outs[0]), at(outs[1]), at(outs[2]), n,
      f('beta1'), 1 - f('beta1'), f('beta2'), 1 - f('beta2'), f('decay'), f('scale'), f('div'), f('eps'));
    return outs;
  },
  /** inputs teacher, student; attrs tau → teacher·tau + student·(1 − tau). */
  D2vEma: (backend, k, { teacher, student }, { tau }) => {
    const out = backend.makeOutput(teacher.shape, 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(backend, t.dataId, 'D2vEma');
    k.ema(at(teacher), at(student), at(out), tf.util.sizeFromShape(teacher.shape), tau as number, 1 - (tau as number));
    return out;
  },
  /** any number of inputs → a scalar, Σ over the inputs (in order) of each one's Σ x² (the squared global gradient norm). */
  D2vSumOfSquares: (backend, k, inputs) => {
    let total = 0;
    for (const t of Object.values(inputs)) total = Math.fround(total + k.sum_squares(heapOffset(backend, t.dataId, 'D2vSumOfSquares'), tf.util.sizeFromShape(t.shape)));
    const out = backend.makeOutput([], 'float32');
    const heap = importableHeap(backend) as { buffer: ArrayBuffer };
    new Float32Array(heap.buffer, heapOffset(backend, out.dataId, 'D2vSumOfSquares'), 1)[0] = total;
    return out;
  },
};

/** Register the fused row kernels on the wasm backend once; safe to call many times. */
export function registerRowKernels(): void {
  if (installed) return;
  installed = true;
  for (const [kernelName, run] of Object.entries(KERNELS)) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const wasm = backend as unknown as WasmBackendInternals;
        const kernels = kernelsFor(wasm);
        if (kernels === undefined) throw new Error(`${kernelName}: the fused row kernels cannot run on this wasm backend (no SIMD); check rowKernelsActive() first.`);
        for (const t of Object.values(inputs as Record<string, tf.TensorInfo>)) {
          if (t.dtype !== 'float32') throw new Error(`${kernelName}: inputs must be float32, got ${t.dtype}.`);
        }
        return run(wasm, kernels, inputs as Record<string, tf.TensorInfo>, (attrs ?? {}) as Record<string, unknown>);
      },
    });
  }
}

/** Run one of the fused row kernels (the caller checked `rowKernelsActive()`). */
export function runRowKernel(name: keyof typeof KERNELS, inputs: Record<string, tf.Tensor>, attrs: Record<string, number> = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
