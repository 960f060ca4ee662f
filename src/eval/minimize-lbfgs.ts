/**
 * L-BFGS for the linear probe (spec §7; the optimiser of CLIP's linear-probe
 * protocol via scikit-learn): full-batch, no learning rate, no randomness.
 */
import { ProbeObjective } from './probe-objective';
import { dot, axpy, maxAbs } from './vector-math';

/**
 * Minimise `f` from `theta` with L-BFGS (Nocedal & Wright, Algorithm 7.4: two-loop
 * recursion, `history` pairs, initial scaling sᵀy / yᵀy) and a backtracking Armijo
 * line search. Stops after `maxIterations`, when max |∇f| < `gradientTolerance`, or
 * when no step along the search direction lowers `f` (float32 precision reached).
 */
export async function minimizeLbfgs(
  f: ProbeObjective,
  theta: Float64Array,
  maxIterations: number,
  gradientTolerance: number,
  onIteration: (iteration: number, loss: number) => void,
  history = 10,
): Promise<{ theta: Float64Array; loss: number; iterations: number }> {
  let { loss, grad } = await f(theta);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  let iterations = 0;
  while (iterations < maxIterations && maxAbs(grad) >= gradientTolerance) {
    // Two-loop recursion: direction = −H ∇f.
    const q = Float64Array.from(grad);
    const alpha = new Array<number>(sList.length);
    for (let k = sList.length - 1; k >= 0; k--) {
      alpha[k] = rhoList[k] * dot(sList[k], q);
      axpy(-alpha[k], yList[k], q);
    }
    const last = sList.length - 1;
    const gamma = last >= 0 ? dot(sList[last], yList[last]) / dot(yList[last], yList[last]) : 1 / Math.sqrt(dot(grad, grad));
    for (let i = 0; i < q.length; i++) q[i] *= gamma;
    for (let k = 0; k < sList.length; k++) axpy(alpha[k] - rhoList[k] * dot(yList[k], q), sList[k], q);
    for (let i = 0; i < q.length; i++) q[i] = -q[i];
    const slope = dot(grad, q);
    if (!(slope < 0)) break;

    let step = 1;
    let next: { loss: number; grad: Float64Array } | undefined;
    let candidate = theta;
    for (let tries = 0; tries < 20; tries++, step *= 0.5) {
      candidate = Float64Array.from(theta);
      axpy(step, q, candidate);
      const value = await f(candidate);
      if (value.loss <= loss + 1e-4 * step * slope) {
        next = value;
        break;
      }
    }
    if (next === undefined) break;
    const s = new Float64Array(theta.length);
    const y = new Float64Array(theta.length);
    for (let i = 0; i < s.length; i++) {
      s[i] = candidate[i] - theta[i];
      y[i] = next.grad[i] - grad[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
      if (sList.length > history) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
    }
    theta = candidate;
    loss = next.loss;
    grad = next.grad;
    iterations++;
    onIteration(iterations, loss);
  }
  return { theta, loss, iterations };
}
