/** Target construction against hand-computed values (spec §3.2, traps 1–3). */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { buildTargets, instanceNorm, subtractPositionMean } from '../../src/data2vec/targets';
import { layerNorm } from '../../src/nn/layer-norm';

const close = (got: ArrayLike<number>, want: number[], tol = 1e-4) => {
  expect(got.length).to.equal(want.length);
  want.forEach((w, i) => expect(got[i]).to.be.closeTo(w, tol));
};

describe('target normalisation', () => {
  it('instance norm standardises each channel over time, per sequence', () => {
    // one sequence, T = 3, C = 2: channel 0 = [1, 2, 3], channel 1 = [10, 10, 40]
    const x = tf.tensor3d([[[1, 10], [2, 10], [3, 40]]]);
    const s0 = Math.sqrt(2 / 3 + 1e-5);
    const s1 = Math.sqrt(200 + 1e-5); // mean 20, var (100+100+400)/3
    close(instanceNorm(x).dataSync(), [-1 / s0, -10 / s1, 0, -10 / s1, 1 / s0, 20 / s1]);
  });

  it('instance norm with a padding mask ignores padded steps in the statistics and zeroes them', () => {
    const x = tf.tensor3d([[[1], [3], [100]]]);
    const pad = tf.tensor2d([[0, 0, 1]]);
    const s = Math.sqrt(1 + 1e-5);
    close(instanceNorm(x, 1e-5, pad).dataSync(), [-1 / s, 1 / s, 0]);
  });

  it('layer norm standardises each position over channels', () => {
    const x = tf.tensor3d([[[1, 2, 3, 6]]]);
    const s = Math.sqrt(3.5 + 1e-5); // mean 3, var (4+1+0+9)/4
    close(layerNorm(x).dataSync(), [-2 / s, -1 / s, 0, 3 / s]);
  });

  it('per-layer norm → average of the top K → final norm, from FFN or end-of-block outputs', () => {
    const mk = (v: number[][]) => tf.tensor3d([v]);
    const layers = [
      { ffn: mk([[100, 0], [0, 100]]), out: mk([[1, 1], [1, 1]]) }, // not in the top 2
      { ffn: mk([[1, 3], [5, 7]]), out: mk([[0, 0], [0, 0]]) },
      { ffn: mk([[2, 0], [0, 4]]), out: mk([[9, 9], [9, 9]]) },
    ];
    // instance norm per layer (over T = 2): layer 1 → [[-1,-1],[1,1]], layer 2 → [[1,-1],[-1,1]] (×1/√(1+eps/var))
    const y = buildTargets(layers, { topK: 2, source: 'ffn', perLayerNorm: 'instance', finalNorm: 'none' });
    const a = 1 / Math.sqrt(1 + 1e-5 / 4);
    const b = 1 / Math.sqrt(1 + 1e-5 / 1);
    const c = 1 / Math.sqrt(1 + 1e-5 / 4);
    close(y.dataSync(), [(-a + b) / 2, (-a - c) / 2, (a - b) / 2, (a + c) / 2], 1e-4);
    const yEnd = buildTargets(layers, { topK: 1, source: 'end', perLayerNorm: 'none', finalNorm: 'none' });
    close(yEnd.dataSync(), [9, 9, 9, 9]);
    const yLn = buildTargets(layers, { topK: 2, source: 'ffn', perLayerNorm: 'layer', finalNorm: 'layer' });
    // layer norm on [x, y] rows gives [±1, ∓1]; both layers' rows: L1 [-1,1],[-1,1]; L2 [1,-1],[-1,1]; avg [0,0],[-1,1]; final LN: [0,0],[-1,1]
    close(yLn.dataSync(), [0, 0, -1, 1], 1e-3);
  });

  it('rejects K larger than the number of layers', () => {
    const l = { ffn: tf.zeros([1, 2, 2]), out: tf.zeros([1, 2, 2]) };
    expect(() => buildTargets([l], { topK: 2, source: 'ffn', perLayerNorm: 'none', finalNorm: 'none' })).to.throw(/targets\.topK is 2, but the teacher has 1 layers/);
  });

  it('subtractPositionMean removes each position\'s mean over the batch, padding excluded', () => {
    // B = 3, T = 2, C = 2; position 1 is padding in row 2
    const x = tf.tensor3d([
      [[1, 10], [4, 0]],
      [[3, 20], [8, 2]],
      [[5, 60], [99, 99]],
    ]);
    const pad = tf.tensor2d([[0, 0], [0, 0], [0, 1]]);
    // position 0: means [3, 30] over all three rows; position 1: means [6, 1] over rows 0 and 1
    close(subtractPositionMean(x, pad).dataSync(), [-2, -20, -2, -1, 0, -10, 2, 1, 2, 30, 0, 0]);
    // without a mask every row counts: position 1 means [37, 33.667]
    close(subtractPositionMean(x).dataSync(), [-2, -20, 4 - 37, -101 / 3, 0, -10, 8 - 37, 2 - 101 / 3, 2, 30, 62, 99 - 101 / 3], 1e-3);
  });

  it('buildTargets with subtractPositionMean: zero batch mean at every position of the final targets, and the same targets otherwise', () => {
    const rng = (i: number) => Math.sin(12.9898 * i) * 43758.5453 % 1;
    const mk = (seed: number) => tf.tensor3d(Array.from({ length: 4 * 5 * 3 }, (_, i) => rng(i + 100 * seed)), [4, 5, 3]);
    const layers = [1, 2, 3].map((k) => ({ ffn: mk(k), out: mk(k + 10) }));
    const pad = tf.tensor2d([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]);
    const config = { topK: 2, source: 'ffn' as const, perLayerNorm: 'layer' as const, finalNorm: 'none' as const };
    const plain = buildTargets(layers, config, pad);
    const centred = buildTargets(layers, { ...config, subtractPositionMean: true }, pad);
    const w = tf.sub(1, pad).expandDims(-1);
    const sums = tf.sum(tf.mul(centred, w), 0).arraySync() as number[][];
    for (const row of sums) for (const v of row) expect(Math.abs(v)).to.be.below(1e-5);
    // the difference from the plain targets is the same vector for every real row at a position
    const diff = tf.sub(plain, centred).arraySync() as number[][][];
    const padA = pad.arraySync() as number[][];
    for (let t = 0; t < 5; t++) {
      const rows = [0, 1, 2, 3].filter((b) => padA[b][t] === 0);
      for (const b of rows) close(diff[b][t], diff[rows[0]][t], 1e-5);
      expect(Math.max(...diff[rows[0]][t].map(Math.abs))).to.be.above(1e-3);
    }
    expect(buildTargets(layers, { ...config, subtractPositionMean: false }, pad).arraySync()).to.deep.equal(plain.arraySync());
  });
});
