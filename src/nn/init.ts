/**
 * Seeded weight initialisers used by the reference models (spec §1): truncated
 * normal std 0.02 (BEiT/timm, `init_bert_params` uses plain normal 0.02),
 * xavier uniform (MAE patch embedding, v2 blocks), kaiming normal (wav2vec CNN).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

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
 * A tensor of `shape` drawn from `init`. For matrices, fan-in is `shape[0]` and
 * fan-out the product of the rest (weights are stored input-major: `[in, out]`).
 */
export function initTensor(shape: number[], init: Init, rng: Rng): tf.Tensor {
  const n = size(shape);
  switch (init.kind) {
    case 'zeros':
      return tf.zeros(shape);
    case 'ones':
      return tf.ones(shape);
    case 'constant':
      return tf.fill(shape, init.value);
    case 'normal':
      return tf.tensor(rng.normalArray(n, init.std), shape);
    case 'truncNormal':
      return tf.tensor(rng.truncNormalArray(n, init.std), shape);
    case 'uniform':
      return tf.tensor(rng.uniformArray(n, init.lo, init.hi), shape);
    case 'xavierUniform': {
      const fanOut = shape[shape.length - 1];
      const fanIn = n / fanOut;
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return tf.tensor(rng.uniformArray(n, -a, a), shape);
    }
    case 'kaimingNormal': {
      const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : shape[0];
      return tf.tensor(rng.normalArray(n, Math.sqrt(2 / fanIn)), shape);
    }
  }
}
