/**
 * Finite-difference gradient check: compares tfjs gradients of a scalar loss with
 * central differences at a sample of coordinates of every parameter and input.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/util/rng';

export interface GradCheckResult {
  worst: number;
  where: string;
  checked: number;
}

/**
 * `loss` must be deterministic (eval mode, no dropout). Checks up to `perTensor`
 * random coordinates of each variable; error = |a − n| / max(1e-2, |a| + |n|).
 */
export function gradCheck(
  loss: () => tf.Scalar,
  variables: [string, tf.Variable][],
  options: { eps?: number; perTensor?: number; seed?: number } = {},
): GradCheckResult {
  const eps = options.eps ?? 1e-2;
  const perTensor = options.perTensor ?? 4;
  const rng = new Rng(options.seed ?? 1);
  const { grads, value } = tf.variableGrads(loss, variables.map(([, v]) => v));
  value.dispose();
  let worst = 0;
  let where = '';
  let checked = 0;
  for (const [name, v] of variables) {
    const g = grads[v.name].dataSync();
    const base = v.dataSync().slice();
    for (let k = 0; k < Math.min(perTensor, v.size); k++) {
      const i = rng.int(0, v.size);
      const eval1 = (delta: number) => {
        const vals = base.slice();
        vals[i] += delta;
        tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
        return tf.tidy(() => loss().dataSync()[0]);
      };
      const numeric = (eval1(eps) - eval1(-eps)) / (2 * eps);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      const err = Math.abs(g[i] - numeric) / Math.max(1e-2, Math.abs(g[i]) + Math.abs(numeric));
      checked++;
      if (err > worst) {
        worst = err;
        where = `${name}[${i}] analytic ${g[i].toExponential(3)} numeric ${numeric.toExponential(3)}`;
      }
    }
  }
  Object.values(grads).forEach((t) => t.dispose());
  return { worst, where, checked };
}
