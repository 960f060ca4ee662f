/** Synthetic labelled feature sets with a known answer, for the probe tests. */
import { Rng } from '../../src/util/rng';
import { LabelledFeatures } from '../../src/eval/features';

/** Build a feature set from rows and labels. */
export function fromRows(rows: number[][], labels: number[]): LabelledFeatures {
  const dim = rows[0].length;
  return { x: Float32Array.from(rows.flat()), y: Int32Array.from(labels), n: rows.length, dim };
}

/**
 * `n` rows drawn round-robin from `numClasses` Gaussian clusters in `dim` dims:
 * class c has centre `separation` · e_c (one axis per class), unit noise.
 */
export function gaussianClusters(rng: Rng, n: number, dim: number, numClasses: number, separation: number): LabelledFeatures {
  const x = rng.normalArray(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % numClasses;
    x[i * dim + y[i]] += separation;
  }
  return { x, y, n, dim };
}

/**
 * XOR: four tight clusters at (±1, ±1) in the first two dims (plus `extraDims` dims
 * of small noise); the label is 1 where the signs differ. No linear function of the
 * features beats chance, but each cluster's nearest neighbours share its label.
 */
export function xorClusters(rng: Rng, n: number, extraDims: number): LabelledFeatures {
  const dim = 2 + extraDims;
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = i % 2 === 0 ? 1 : -1;
    const b = i % 4 < 2 ? 1 : -1;
    x[i * dim] = a + 0.15 * rng.normal();
    x[i * dim + 1] = b + 0.15 * rng.normal();
    for (let j = 2; j < dim; j++) x[i * dim + j] = 0.15 * rng.normal();
    y[i] = a === b ? 0 : 1;
  }
  return { x, y, n, dim };
}

/** Features from `rng`, labels uniformly random and independent of them. */
export function randomLabels(rng: Rng, n: number, dim: number, numClasses: number): LabelledFeatures {
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(0, numClasses);
  return { x: rng.normalArray(n * dim), y, n, dim };
}

/** A copy of `f` with column `column` mapped to `scale · x + shift`. */
export function affineColumn(f: LabelledFeatures, column: number, scale: number, shift: number): LabelledFeatures {
  const x = Float32Array.from(f.x);
  for (let i = 0; i < f.n; i++) x[i * f.dim + column] = scale * x[i * f.dim + column] + shift;
  return { ...f, x };
}
