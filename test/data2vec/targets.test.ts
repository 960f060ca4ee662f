/** Target construction against hand-computed values (spec §3.2, traps 1–3). */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { buildTargets, instanceNorm } from '../../src/data2vec/targets';
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
});
