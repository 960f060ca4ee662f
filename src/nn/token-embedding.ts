/**
 * Token embedding table (spec §1.4): fairseq `nn.Embedding(len(dictionary), D,
 * padding_idx)` initialised by `init_bert_params` (N(0, 0.02) with the padding row
 * zeroed), as RoBERTa and data2vec 1.0 text use for tokens and, with the position ids
 * of `make_positions`, for learned positions.
 *
 * Lookup: the value is `table[ids]`; the gradient is the unsorted segment sum of the
 * incoming gradient over the ids, as `tf.gather`'s, except that the padding row gets
 * none (PyTorch's `padding_idx` semantics), so it stays zero through training.
 *
 * Speed on wasm (tfjs 4.22, CPU time on the project machine, vocabulary 4,096 × 128
 * dims): for 4,096 tokens the wasm `GatherV2` kernel takes 42 ms forward, about 10 ns
 * per copied value, while copying the rows in JavaScript takes 11 ms; forward and
 * backward take 26 ms here against 60 ms through `tf.gather` (1,100 tokens: 19 ms
 * against 17 ms, both dominated by the dense table gradient). A one-hot matMul is far
 * slower: 1,040 ms (4,096 tokens) and 305 ms (1,100 tokens) for forward and backward.
 * At 50,261 × 768 and 8,192 tokens: 235 ms forward here against 532 ms, 708 ms forward
 * and backward against 1,090 ms. So on wasm the forward pass copies rows in
 * JavaScript; other backends call `tf.gather`. The backward pass is
 * `tf.unsortedSegmentSum` everywhere (registered for wasm in `backend/wasm-kernels.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Rng } from '../util/rng';
import { hostMemoryValues } from './take-rows';
import { initValues } from './init';

/** Rows of a `[rows, dim]` table copied in JavaScript (the fast path on wasm). */
function copyRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const [rows, dim] = table.shape;
  const values = hostMemoryValues(table) as Float32Array;
  const index = hostMemoryValues(ids);
  const out = new Float32Array(index.length * dim);
  for (let i = 0; i < index.length; i++) {
    const row = index[i];
    if (!(row >= 0 && row < rows)) throw new RangeError(`token id ${row} is outside the embedding table of ${rows} rows.`);
    out.set(values.subarray(row * dim, (row + 1) * dim), i * dim);
  }
  return tf.tensor(out, [...ids.shape, dim]);
}

/**
 * `table[ids]`: table [rows, dim] float32, ids int32 of any shape → [...ids.shape, dim].
 * Rows equal to `paddingIdx` receive no gradient.
 */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor, paddingIdx?: number): tf.Tensor {
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, i, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([i]);
    const value = tf.getBackend() === 'wasm' ? copyRows(t, i) : tf.gather(t, i);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [rows, dim] = t.shape;
        const flatIds = saved[0].reshape([-1]) as tf.Tensor1D;
        let flatDy = dy.reshape([-1, dim]);
        if (paddingIdx !== undefined) {
          const keep = tf.cast(tf.notEqual(flatIds, paddingIdx), 'float32').expandDims(1);
          flatDy = tf.mul(flatDy, keep);
        }
        return [tf.unsortedSegmentSum(flatDy, flatIds, rows), tf.zeros(saved[0].shape)];
      },
    };
  }) as (t: tf.Tensor, i: tf.Tensor) => tf.Tensor;
  return lookup(table, ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'));
}

/** Options of {@link TokenEmbedding}. */
export interface TokenEmbeddingOptions {
  /** Row of the padding token: zero at init, never updated (fairseq/PyTorch `padding_idx`). */
  paddingIdx?: number;
  /** Std of the normal init (`init_bert_params`: 0.02). */
  std?: number;
}

/** A learned `[numEmbeddings, dim]` table looked up by integer ids (parameter `weight`). */
export class TokenEmbedding extends Module {
  readonly weight: tf.Variable;
  readonly paddingIdx: number | undefined;

  constructor(readonly numEmbeddings: number, readonly dim: number, rng: Rng, options: TokenEmbeddingOptions = {}) {
    super();
    if (!Number.isInteger(numEmbeddings) || numEmbeddings < 1) throw new Error(`an embedding table needs a positive integer number of rows, got ${numEmbeddings}.`);
    const { paddingIdx } = options;
    if (paddingIdx !== undefined && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < numEmbeddings)) {
      throw new Error(`paddingIdx ${paddingIdx} is not a row of the ${numEmbeddings}-row embedding table.`);
    }
    this.paddingIdx = paddingIdx;
    const values = initValues([numEmbeddings, dim], { kind: 'normal', std: options.std ?? 0.02 }, rng);
    if (paddingIdx !== undefined) values.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
    this.weight = this.addParam('weight', tf.tensor2d(values, [numEmbeddings, dim]));
  }

  /** ids int32 [...shape] → embeddings [...shape, dim]. */
  forward(ids: tf.Tensor): tf.Tensor {
    return embeddingLookup(this.weight, ids, this.paddingIdx);
  }
}
