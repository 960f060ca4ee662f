/**
 * Mini-batch Adam for the linear probe (spec §7; the mini-batch style of DINO's and
 * MAE's linear-probe scripts): shuffled batches, coupled L2, cosine-decayed LR.
 */
import { Rng } from '../util/rng';
import { RowBlock } from './probe-objective';

/**
 * Minimise the objective with Adam (β = 0.9, 0.999, ε = 1e-8) on mini-batches in an
 * order drawn from `rng`, the learning rate cosine-decayed from `learningRate` to 0.
 */
export async function minimizeAdam(
  data: RowBlock,
  batchObjective: (block: RowBlock, theta: Float64Array) => Promise<{ loss: number; grad: Float64Array }>,
  theta: Float64Array,
  epochs: number,
  learningRate: number,
  batchSize: number,
  rng: Rng,
  onEpoch: (epoch: number, loss: number) => void,
): Promise<Float64Array> {
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const m = new Float64Array(theta.length);
  const v = new Float64Array(theta.length);
  const stepsPerEpoch = Math.ceil(data.rows / batchSize);
  const totalSteps = epochs * stepsPerEpoch;
  let t = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = Int32Array.from(rng.permutation(data.rows));
    let lossSum = 0;
    for (let start = 0; start < data.rows; start += batchSize) {
      const batch = data.select(order.subarray(start, start + batchSize));
      const { loss, grad } = await batchObjective(batch, theta).finally(() => batch.dispose());
      lossSum += loss;
      const lr = 0.5 * learningRate * (1 + Math.cos((Math.PI * t) / totalSteps));
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (let i = 0; i < theta.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
        v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
        theta[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
    onEpoch(epoch, lossSum / stepsPerEpoch);
  }
  return theta;
}
