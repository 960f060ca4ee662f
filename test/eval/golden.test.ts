/**
 * Parity with PyTorch references (golden/make-golden.py): DINO's `knn_classifier`
 * and the float64 L-BFGS minimum of the same probe objective, on 240 train / 60
 * test rows with unequal feature scales.
 */
import { expect } from 'chai';
import * as path from 'path';
import * as fs from 'fs';
import { LabelledFeatures } from '../../src/eval/features';
import { knnClassify } from '../../src/eval/knn';
import { linearProbe } from '../../src/eval/linear-probe';

interface Golden {
  numClasses: number;
  dim: number;
  k: number;
  temperature: number;
  weightDecay: number;
  train: { x: number[]; y: number[] };
  test: { x: number[]; y: number[] };
  knnPredictions: number[];
  probeLoss: number;
  probePredictions: number[];
  probeWeights: number[];
  probeBias: number[];
}

// Compiled tests run from dist/test/eval; the JSON stays in the source tree.
const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../test/eval/golden/probes.json'), 'utf8')) as Golden;
const split = (s: { x: number[]; y: number[] }): LabelledFeatures => ({
  x: Float32Array.from(s.x),
  y: Int32Array.from(s.y),
  n: s.y.length,
  dim: golden.dim,
});

describe('eval: parity with the PyTorch references', () => {
  const train = split(golden.train);
  const test = split(golden.test);

  it('knnClassify predicts exactly what DINO knn_classifier predicts', async () => {
    const result = await knnClassify(train, test, golden.numClasses, { k: golden.k, temperature: golden.temperature });
    expect(Array.from(result.predictions)).to.deep.equal(golden.knnPredictions);
  });

  it('linearProbe reaches the PyTorch float64 minimum: same loss, weights and predictions', async () => {
    const result = await linearProbe(train, test, golden.numClasses, { weightDecay: golden.weightDecay, epochs: 500, gradientTolerance: 1e-6 });
    expect(result.finalLoss).to.be.closeTo(golden.probeLoss, 1e-6);
    result.weights.forEach((v, i) => expect(v).to.be.closeTo(golden.probeWeights[i], 1e-3));
    // The bias is defined up to a constant shared by all classes; compare differences.
    for (let c = 1; c < golden.numClasses; c++) {
      expect(result.bias[c] - result.bias[0]).to.be.closeTo(golden.probeBias[c] - golden.probeBias[0], 1e-3);
    }
    expect(Array.from(result.predictions)).to.deep.equal(golden.probePredictions);
  });
});
