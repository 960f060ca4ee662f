/**
 * Per-head matrix products of multi-head attention read and written in the
 * token-major layout of the projections (spec §1: multi-head self-attention;
 * platform facts: "wasm is the default backend").
 *
 * The q, k and v projections give [B, T, D] with the heads side by side in the
 * last axis (D = heads·d). Attention multiplies per head, so the usual code
 * reshapes to [B, T, heads, d] and transposes to [B, heads, T, d] before each
 * product, and transposes the context back: four copies of a [B, T, D] tensor
 * per block forward and four more in the backward pass. The SIMD kernel
 * (`kernels/batched-matmul.wat`) reads its operands through element strides and
 * writes its output with a row stride, so the head h of sample b is simply the
 * [T, d] matrix at element b·T·D + h·d with row stride D, read and written in
 * place: no copies.
 *
 * `D2vHeadMatMul` (wasm): inputs a, b; attrs heads, transposeA, transposeB.
 * Each operand is either token-major [B, T, heads·d] (rank 3: head h is the
 * [T, d] matrix of columns h·d … h·d + d − 1) or dense per head [B, heads, r, c]
 * (rank 4). The output is token-major [B, m, heads·n] when b is token-major and
 * not transposed (its columns are the head dim), else dense [B, heads, m, n].
 * Each element is the kernel's float32 dot product in k order, so the results
 * are bit-identical to transposing first and using `BatchMatMul`.
 *
 * On more than one thread, a product large enough to share runs on the worker
 * pool of `./matmul-pool.ts` like any other, cut into chunks of whole samples
 * (the operands are copied whole to the pool's memory and keep their strides);
 * smaller ones run on the main thread. Either way each element is the same
 * k-order sum, so results do not depend on the thread count.
 */
import * as tf from '@tensorflow/tfjs';
import { batchedMatMulActive, batchedMatMulKernel, runProduct } from './batched-matmul';
import { WasmBackendInternals, heapOffset } from './wasm-module';

const KERNEL = 'D2vHeadMatMul';

/** One operand of a product: element strides of its per-head matrices, as the kernel reads them. */
interface HeadOperand {
  rows: number;
  cols: number;
  /** Element strides: X(i, j) = x[sample·sampleStride + head·headStride + i·row + j·col]. */
  row: number;
  col: number;
  headStride: number;
  sampleStride: number;
}

/** The per-head matrices of a [B, T, heads·d] or [B, heads, r, c] tensor, transposed or not. */
export function headOperand(shape: number[], heads: number, transposed: boolean, name: string): HeadOperand {
  let op: HeadOperand;
  if (shape.length === 3) {
    const [, t, width] = shape;
    if (width % heads !== 0) throw new Error(`${KERNEL}: ${name} has last axis ${width}, not divisible by ${heads} heads.`);
    const d = width / heads;
    op = { rows: t, cols: d, row: width, col: 1, headStride: d, sampleStride: t * width };
  } else if (shape.length === 4) {
    const [, h, r, c] = shape;
    if (h !== heads) throw new Error(`${KERNEL}: ${name} has ${h} heads on axis 1, expected ${heads}.`);
    op = { rows: r, cols: c, row: c, col: 1, headStride: r * c, sampleStride: heads * r * c };
  } else {
    throw new Error(`${KERNEL}: ${name} must be [batch, tokens, heads·d] or [batch, heads, rows, cols], got shape [${shape.join(', ')}].`);
  }
  return transposed ? { ...op, rows: op.cols, cols: op.rows, row: op.col, col: op.row } : op;
}

/** The output shape of a product of `a` and `b` (see the file comment). */
export function headProductShape(aShape: number[], bShape: number[], heads: number, transposeA: boolean, transposeB: boolean): number[] {
  const a = headOperand(aShape, heads, transposeA, 'a');
  const b = headOperand(bShape, heads, transposeB, 'b');
  if (aShape[0] !== bShape[0]) throw new Error(`${KERNEL}: a has batch ${aShape[0]}, b has ${bShape[0]}.`);
  if (a.cols !== b.rows) throw new Error(`${KERNEL}: inner sizes differ (a's per-head matrices are ${a.rows}×${a.cols}, b's ${b.rows}×${b.cols}).`);
  return bShape.length === 3 && !transposeB ? [aShape[0], a.rows, heads * b.cols] : [aShape[0], heads, a.rows, b.cols];
}

function headMatMulKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { heads, transposeA, transposeB } = args.attrs as unknown as { heads: number; transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`${KERNEL}: inputs must be float32, got ${a.dtype} and ${b.dtype}.`);
  const kernel = batchedMatMulKernel(backend);
  if (kernel === undefined) throw new Error(`${KERNEL}: the SIMD matrix kernel cannot run on this wasm backend; check headMatMulActive() first.`);
  const shape = headProductShape(a.shape, b.shape, heads, transposeA, transposeB);
  const out = backend.makeOutput(shape, 'float32');
  const A = headOperand(a.shape, heads, transposeA, 'a');
  const B = headOperand(b.shape, heads, transposeB, 'b');
  const [m, k, n] = [A.rows, A.cols, B.cols];
  const samples = shape[0];
  if (tf.util.sizeFromShape(shape) === 0) return out;
  // C: token-major (row stride heads·n, heads n apart) or dense per head.
  const C = shape.length === 3
    ? { row: heads * n, headStride: n, sampleStride: m * heads * n }
    : { row: n, headStride: m * n, sampleStride: heads * m * n };
  // One group of `heads` items per sample.
  runProduct(backend, kernel, KERNEL, {
    batch: samples * heads, m, n, k, aRow: A.row, aCol: A.col, bRow: B.row, bCol: B.col,
    a: heapOffset(backend, a.dataId, KERNEL), aFirst: 0, b: heapOffset(backend, b.dataId, KERNEL), bFirst: 0, c: heapOffset(backend, out.dataId, KERNEL),
    grouped: {
      size: heads, cRow: C.row,
      aItem: A.headStride, bItem: B.headStride, cItem: C.headStride,
      aGroup: A.sampleStride, bGroup: B.sampleStride, cGroup: C.sampleStride,
    },
    aElements: tf.util.sizeFromShape(a.shape), bElements: tf.util.sizeFromShape(b.shape),
  });
  return out;
}

let installed = false;

/** Register `D2vHeadMatMul` on the wasm backend once; safe to call many times. */
export function registerHeadMatMul(): void {
  if (installed) return;
  installed = true;
  if (tf.getKernel(KERNEL, 'wasm') === undefined) tf.registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc: headMatMulKernel });
}

let wanted = process.env.D2V_HEAD_MATMUL !== '0';

/**
 * Let attention run its per-head products on the token-major layout (the
 * default) or transpose to heads first (`false`, or `D2V_HEAD_MATMUL=0`), e.g.
 * to compare. Results are bit-identical either way.
 */
export function useHeadMatMul(enabled: boolean): void {
  wanted = enabled;
}

/**
 * Whether `headMatMul` runs here: wasm with the SIMD matrix kernel, the kernel
 * registered and not turned off (`useHeadMatMul`), on any number of threads.
 */
export function headMatMulActive(): boolean {
  return wanted && installed && batchedMatMulActive();
}

/**
 * The per-head products op(a)·op(b) of `heads` heads (layouts in the file
 * comment); the caller checked `headMatMulActive()`. No gradient of its own:
 * the attention building block composes it (`src/nn/attention-heads.ts`).
 */
export function headMatMul(a: tf.Tensor, b: tf.Tensor, heads: number, transposeA = false, transposeB = false): tf.Tensor {
  return tf.engine().runKernel(KERNEL, { a, b } as unknown as tf.NamedTensorMap, { heads, transposeA, transposeB } as unknown as tf.NamedAttrMap) as tf.Tensor;
}
