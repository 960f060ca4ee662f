/**
 * BEiT shared relative position bias (spec §1.3, trap 21): one table of
 * (2·gh−1)(2·gw−1)+3 rows × heads (three extra rows for cls→token, token→cls and
 * cls→cls), indexed by the relative (row, column) offset of each token pair.
 * Initialised at zero as in BEiT.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { embeddingLookup } from './token-embedding';

/** The BEiT `relative_position_index` for a grid plus one CLS token, flattened [(N+1)²]. */
export function relativePositionIndex(gridH: number, gridW: number): Int32Array {
  const n = gridH * gridW;
  const numRel = (2 * gridH - 1) * (2 * gridW - 1) + 3;
  const size = n + 1;
  const index = new Int32Array(size * size);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const dh = Math.floor(a / gridW) - Math.floor(b / gridW) + gridH - 1;
      const dw = (a % gridW) - (b % gridW) + gridW - 1;
      index[(a + 1) * size + (b + 1)] = dh * (2 * gridW - 1) + dw;
    }
  }
  for (let j = 0; j < size; j++) index[j] = numRel - 3; // cls → token
  for (let i = 0; i < size; i++) index[i * size] = numRel - 2; // token → cls
  index[0] = numRel - 1; // cls → cls
  return index;
}

export class RelativePositionBias extends Module {
  readonly table: tf.Variable;
  private readonly index: tf.Tensor1D;
  readonly tokens: number;

  constructor(readonly gridH: number, readonly gridW: number, readonly heads: number) {
    super();
    const numRel = (2 * gridH - 1) * (2 * gridW - 1) + 3;
    this.table = this.addParam('relative_position_bias_table', tf.zeros([numRel, heads]), { weightDecay: false });
    this.tokens = gridH * gridW + 1;
    this.index = tf.keep(tf.tensor1d(relativePositionIndex(gridH, gridW), 'int32'));
  }

  /**
   * The bias [heads, N+1, N+1] to add to attention logits. The rows are looked
   * up as token embeddings are (`embeddingLookup`: rows copied in JavaScript on
   * wasm, where tfjs's `GatherV2` took 0.86 ms for these 2,500 rows of 4; the
   * gradient is `tf.gather`'s segment sum either way).
   */
  forward(): tf.Tensor {
    return embeddingLookup(this.table, this.index).reshape([this.tokens, this.tokens, this.heads]).transpose([2, 0, 1]);
  }

  override dispose(): void {
    super.dispose();
    this.index.dispose();
  }
}
