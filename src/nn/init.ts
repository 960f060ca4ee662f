/**
 * Seeded weight initialisers used by the reference models (spec §1): truncated
 * normal std 0.02 (BEiT/timm, `init_bert_params` uses plain normal 0.02),
 * xavier uniform (MAE patch embedding, v2 blocks), kaiming normal (wav2vec CNN).
 * Each drawn tensor takes one 31-bit seed from the caller's `Rng` and fills its values
 * from that seed's counter-based PCG stream (uniforms: src/util/pcg-stream.ts; normals:
 * the ziggurat, src/util/ziggurat-normal.ts), about 5 ns a value instead of ~50 with
 * per-value Box–Muller over alea: a ViT-B's 86 M values in well under a second.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { hashUniformArray } from '../util/pcg-stream';
import { zigguratNormalArray } from '../util/ziggurat-normal';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'normal'; std: number }
  | { kind: 'truncNormal'; std: number }
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'xavierUniform' }
  | { kind: 'kaimingNormal' };

/**
 * The values of a `shape` tensor drawn from `init` (row-major), for the random kinds;
 * one seed is taken from `rng` per call. For matrices, fan-in is `shape[0]` and fan-out
 * the product of the rest (weights are stored input-major: `[in, out]`).
 */
export function initValues(shape: number[], init: Exclude<Init, { kind: 'zeros' | 'ones' | 'constant' }>, rng: Rng): Float32Array {
  const n = size(shape);
  const seed = rng.int32();
  switch (init.kind) {
    case 'normal':
      return zigguratNormalArray(n, init.std, seed);
    case 'truncNormal':
      return zigguratNormalArray(n, init.std, seed, 2);
    case 'uniform':
      return hashUniformArray(n, seed, 0, init.lo, init.hi);
    case 'xavierUniform': {
      const fanOut = shape[shape.length - 1];
      const fanIn = n / fanOut;
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return hashUniformArray(n, seed, 0, -a, a);
    }
    case 'kaimingNormal': {
      const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : shape[0];
      return zigguratNormalArray(n, Math.sqrt(2 / fanIn), seed);
    }
  }
}

/** A tensor of `shape` drawn from `init` (see {@link initValues}). */
export function initTensor(shape: number[], init: Init, rng: Rng): tf.Tensor {
  switch (init.kind) {
    case 'zeros':
      return tf.zeros(shape);
    case 'ones':
      return tf.ones(shape);
    case 'constant':
      return tf.fill(shape, init.value);
    default:
      return tf.tensor(initValues(shape, init, rng), shape);
  }
}
