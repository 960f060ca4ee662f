/**
 * The linear probe's objective (spec §7; see `linear-probe.ts`): multinomial
 * logistic regression, mean cross-entropy of softmax(x W + b) over a block of rows
 * with its closed-form gradient Xᵀ(P − Y) computed in tfjs, plus the L2 term
 * (weightDecay / 2) · ‖W‖² on the weights (bias not penalised). Parameters are one
 * Float64Array θ = [W row-major `[dim, C]`, b `[C]`].
 */
import * as tf from '@tensorflow/tfjs';

/** Loss and gradient of the objective at parameters θ = [W row-major, b]. */
export type ProbeObjective = (theta: Float64Array) => Promise<{ loss: number; grad: Float64Array }>;

/**
 * One block of train rows on the backend: `x` `[m, dim]`, its transpose (a
 * transposed `matMul` operand is several times slower on wasm) and one-hot labels.
 */
export class RowBlock {
  constructor(
    readonly x: tf.Tensor2D,
    readonly xT: tf.Tensor2D,
    readonly oneHot: tf.Tensor2D,
  ) {}

  static fromArrays(x: Float32Array, y: Int32Array, n: number, dim: number, numClasses: number): RowBlock {
    const xs = tf.tensor2d(x, [n, dim]);
    return new RowBlock(xs, tf.transpose(xs), tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), numClasses).toFloat() as tf.Tensor2D));
  }

  /** The rows `rows` of this block, as a new block. */
  select(rows: Int32Array): RowBlock {
    const [x, xT, oneHot] = tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32');
      const picked = tf.gather(this.x, index);
      return [picked, tf.transpose(picked), tf.gather(this.oneHot, index)];
    });
    return new RowBlock(x as tf.Tensor2D, xT as tf.Tensor2D, oneHot as tf.Tensor2D);
  }

  get rows(): number {
    return this.x.shape[0];
  }

  /**
   * Mean cross-entropy and its gradient [∂W row-major, ∂b] (no weight decay). The
   * per-row losses are summed in double precision, so the line search can still
   * tell nearby losses apart close to the minimum.
   */
  async crossEntropy(theta: Float64Array, dim: number, numClasses: number): Promise<{ loss: number; grad: Float64Array }> {
    const packed = tf.tidy(() => {
      const { w, b } = unpack(theta, dim, numClasses);
      const logProbs = tf.logSoftmax(tf.add(tf.matMul(this.x, w), b));
      const rowLosses = tf.neg(tf.sum(tf.mul(this.oneHot, logProbs), 1));
      // Probabilities below e⁻⁶⁰ are set to e⁻⁶⁰: subnormal floats make the wasm matMul ~20× slower.
      const delta = tf.div(tf.sub(tf.exp(tf.maximum(logProbs, -60)), this.oneHot), this.rows);
      return tf.concat([tf.matMul(this.xT, delta).reshape([-1]), tf.sum(delta, 0), rowLosses]);
    });
    const values = await packed.data();
    packed.dispose();
    const grad = new Float64Array(theta.length);
    for (let i = 0; i < grad.length; i++) grad[i] = values[i];
    let loss = 0;
    for (let i = theta.length; i < values.length; i++) loss += values[i];
    return { loss: loss / this.rows, grad };
  }

  /** Arg-max class per row under parameters θ. */
  predict(theta: Float64Array, dim: number, numClasses: number): Promise<Int32Array> {
    return predictRows(this.x, theta, dim, numClasses);
  }

  dispose(): void {
    tf.dispose([this.x, this.xT, this.oneHot]);
  }
}

function unpack(theta: Float64Array, dim: number, numClasses: number): { w: tf.Tensor2D; b: tf.Tensor1D } {
  return {
    w: tf.tensor2d(Float32Array.from(theta.subarray(0, dim * numClasses)), [dim, numClasses]),
    b: tf.tensor1d(Float32Array.from(theta.subarray(dim * numClasses))),
  };
}

export async function predictRows(x: tf.Tensor2D, theta: Float64Array, dim: number, numClasses: number): Promise<Int32Array> {
  const classes = tf.tidy(() => {
    const { w, b } = unpack(theta, dim, numClasses);
    return tf.argMax(tf.add(tf.matMul(x, w), b), 1);
  });
  const out = new Int32Array(await classes.data());
  classes.dispose();
  return out;
}

/** Adds the L2 term (weightDecay / 2) · ‖W‖² and its gradient in place; W is θ's first `weightCount` entries. */
export function addWeightDecay(theta: Float64Array, value: { loss: number; grad: Float64Array }, weightCount: number, weightDecay: number) {
  let sq = 0;
  for (let i = 0; i < weightCount; i++) {
    sq += theta[i] * theta[i];
    value.grad[i] += weightDecay * theta[i];
  }
  value.loss += 0.5 * weightDecay * sq;
  return value;
}
