/**
 * Kernels that the tfjs wasm backend (4.22) lacks but training needs
 * (platform facts: "wasm backend gaps for training").
 *
 * - `UnsortedSegmentSum`: the gradient of `tf.gather` (embedding lookups,
 *   relative-position-bias tables, v2 gathers of kept tokens) is a segment sum.
 *   It is a memory-bound scatter-add, so a plain JS loop over the wasm heap is
 *   as fast as anything else here.
 *
 * - `Identity`: the wasm kernel copies the tensor, and the gradient tape clones
 *   every tensor it saves for the backward pass, so training spends much of its
 *   time copying. Tensor data is immutable in tfjs (a variable's `assign` swaps its
 *   data id), so the clone can share storage by reference count, as the wasm
 *   `Reshape` kernel and the cpu backend's `Identity` already do.
 *
 * - `BatchMatMul`: float32 products (batched, transposed or 2-D) run in a
 *   WebAssembly SIMD kernel; tfjs's own runs batched and transposed ones in
 *   a plain loop at ~1 GFLOP/s. See `./batched-matmul.ts`.
 *
 * - Fused layer norm, softmax gradient, GELU and bias kernels for the building
 *   blocks (`./row-kernels.ts`).
 *
 * - `D2vHeadMatMul`: attention's per-head products read and write the heads in
 *   place in the projections' [B, T, heads·d] layout, without transposes
 *   (`./head-matmul.ts`).
 *
 * - `Slice`: reads its input in place instead of copying it first (`./wasm-slice.ts`).
 *
 * - `SplitV` (and so `tf.split`, the gradient of `tf.concat`): the same in-place
 *   copies as `Slice` (`./wasm-split.ts`).
 *
 * - `Tile` (and so `tf.broadcastTo`): copies whole runs instead of one element
 *   at a time (`./wasm-tile.ts`).
 *
 * Convolutions are not patched here: the library expresses them as
 * frames + matMul (see `src/nn/conv1d.ts`, `src/nn/conv-frames.ts`, `src/nn/conv2d.ts`),
 * which keeps the fast matMul on the hot path for both forward and backward passes.
 */
import * as tf from '@tensorflow/tfjs';
import { registerBatchedMatMul } from './batched-matmul';
import { registerInPlaceSlice } from './wasm-slice';
import { registerInPlaceSplit } from './wasm-split';
import { registerRunTile } from './wasm-tile';
import { registerRowKernels } from './row-kernels';
import { registerHeadMatMul } from './head-matmul';

interface WasmBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  incRef(dataId: unknown): void;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.TypedArray): tf.TensorInfo;
}

let registered = false;

/** Register the missing wasm kernels once; safe to call many times. */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
        const numSegments = (attrs as { numSegments: number }).numSegments;
        const wasm = backend as unknown as WasmBackendLike;
        const values = wasm.readSync(x.dataId);
        const ids = wasm.readSync(segmentIds.dataId);
        const innerShape = x.shape.slice(segmentIds.shape.length);
        const inner = innerShape.reduce((a, b) => a * b, 1);
        const out = new Float32Array(numSegments * inner);
        for (let i = 0; i < ids.length; i++) {
          const s = ids[i];
          if (s < 0 || s >= numSegments) continue;
          const o = s * inner;
          const p = i * inner;
          for (let j = 0; j < inner; j++) out[o + j] += values[p + j];
        }
        return wasm.makeOutput([numSegments, ...innerShape], 'float32', undefined, out);
      },
    });
  }
  if (tf.getKernel('Identity', 'wasm') !== undefined) tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      (backend as unknown as WasmBackendLike).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  registerBatchedMatMul();
  registerRowKernels();
  registerHeadMatMul();
  registerInPlaceSlice();
  registerInPlaceSplit();
  registerRunTile();
}
