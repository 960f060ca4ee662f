/**
 * 1-D convolution as frames + matMul: frame layout, forward against tf.conv1d
 * (groups 1) and against a hand computation (groups > 1, both strategies),
 * fairseq SamePad semantics, the hand-written col2im gradient against slicing,
 * gradients against finite differences on wasm and cpu, and error messages.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { Conv1d, blockDiagonalFilter, conv1d, resolvePadding } from '../../src/nn/conv1d';
import { convOutputLength, frames } from '../../src/nn/conv-frames';
import { gradCheck } from '../helpers/gradcheck';
import { TRAINING_BACKENDS, withBackend } from '../helpers/backends';

const randn = (rng: Rng, shape: number[], std = 1) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1), std), shape);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).to.deep.equal(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Plain-loop reference: y[b,t,o] = Σ_j Σ_c xpad[b, t·s + j, g·Cin/G + c] · w[j, c, o] (+ bias). */
function referenceConv(x: number[][][], w: number[][][], stride: number, pad: [number, number], groups: number, bias?: number[]): number[][][] {
  const cin = x[0][0].length;
  const [k, cinG, cout] = [w.length, w[0].length, w[0][0].length];
  const coutG = cout / groups;
  return x.map((seq) => {
    const padded = [...Array.from({ length: pad[0] }, () => new Array(cin).fill(0)), ...seq, ...Array.from({ length: pad[1] }, () => new Array(cin).fill(0))];
    const t = Math.floor((padded.length - k) / stride) + 1;
    return Array.from({ length: t }, (_, tt) => Array.from({ length: cout }, (_, o) => {
      const g = Math.floor(o / coutG);
      let sum = bias ? bias[o] : 0;
      for (let j = 0; j < k; j++) for (let c = 0; c < cinG; c++) sum += padded[tt * stride + j][g * cinG + c] * w[j][c][o];
      return sum;
    }));
  });
}

describe('conv-frames: frames (im2col)', () => {
  it('row t holds x[t·s + j, c] at column j·C + c, for kernels wider and narrower than the stride', () => {
    for (const [l, k, s] of [[11, 3, 2], [12, 3, 2], [16, 10, 5], [9, 2, 2], [7, 4, 1], [10, 2, 3]]) {
      const c = 2;
      const values = Array.from({ length: 2 * l * c }, (_, i) => i);
      const x = tf.tensor3d(values, [2, l, c]);
      const f = frames(x, k, s);
      const t = Math.floor((l - k) / s) + 1;
      expect(f.shape).to.deep.equal([2, t, k * c]);
      const got = f.arraySync();
      for (let b = 0; b < 2; b++) for (let tt = 0; tt < t; tt++) for (let j = 0; j < k; j++) for (let cc = 0; cc < c; cc++) {
        expect(got[b][tt][j * c + cc]).to.equal(values[(b * l + tt * s + j) * c + cc]);
      }
      tf.dispose([x, f]);
    }
  });

  it('its hand-written gradient (skew col2im) equals the gradient of explicit per-frame slices, on wasm and cpu', async () => {
    for (const backend of TRAINING_BACKENDS) {
      await withBackend(backend, () => {
        const rng = new Rng(7);
        for (const [l, k, s] of [[31, 10, 5], [18, 3, 2], [17, 3, 2], [12, 19 - 12, 1], [25, 19, 1], [20, 4, 3], [9, 2, 2]]) {
          tf.tidy(() => {
            const x = randn(rng, [2, l, 3]);
            const t = convOutputLength(l, k, s);
            const probe = randn(rng, [2, t, k * 3]);
            const sliced = (z: tf.Tensor) => tf.concat(Array.from({ length: t }, (_, tt) => z.slice([0, tt * s, 0], [2, k, 3]).reshape([2, 1, k * 3])), 1);
            const ours = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(frames(z, k, s), probe)))(x);
            const ref = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(sliced(z), probe)))(x);
            expect(maxAbsDiff(ours, ref), `${backend} L${l} k${k} s${s}`).to.be.lessThan(1e-5);
          });
        }
      });
    }
  });

  it('output length follows ⌊(L + pad − k)/s⌋ + 1, and 0 for inputs shorter than the kernel', () => {
    expect(convOutputLength(400, 10, 5)).to.equal(79);
    expect(convOutputLength(79, 3, 2)).to.equal(39);
    expect(convOutputLength(4, 2, 2)).to.equal(2);
    expect(convOutputLength(9, 10, 5)).to.equal(0);
    expect(convOutputLength(21, 19, 1, 18)).to.equal(21);
  });
});

describe('conv1d: forward', () => {
  it('equals tf.conv1d for groups = 1 (strides 1, 2, 5; valid and explicit padding)', () => {
    const rng = new Rng(1);
    for (const [l, cin, cout, k, s, pad] of [[40, 1, 6, 10, 5, 0], [23, 4, 5, 3, 2, 0], [9, 3, 2, 2, 2, 0], [15, 4, 4, 5, 1, 2]] as const) {
      tf.tidy(() => {
        const x = randn(rng, [3, l, cin]);
        const w = randn(rng, [k, cin, cout]);
        const ours = conv1d(x, w, { stride: s, padding: pad });
        const ref = tf.conv1d(pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [0, 0]]) as tf.Tensor3D : x as tf.Tensor3D, w as tf.Tensor3D, s, 'valid');
        expect(maxAbsDiff(ours, ref), `L${l} k${k} s${s}`).to.be.lessThan(1e-5);
      });
    }
  });

  it('with groups > 1 equals a plain-loop computation, for the batched and the block-diagonal strategy', () => {
    const rng = new Rng(2);
    for (const [groups, cin, cout, k, s, pad] of [[2, 4, 6, 3, 1, [1, 1]], [4, 8, 8, 5, 2, [2, 2]], [16, 32, 32, 19, 1, [9, 9]]] as [number, number, number, number, number, [number, number]][]) {
      const x = randn(rng, [2, 21, cin]);
      const w = randn(rng, [k, cin / groups, cout]);
      const expected = referenceConv(x.arraySync() as number[][][], w.arraySync() as number[][][], s, pad, groups);
      for (const groupStrategy of ['batched', 'blockDiagonal'] as const) {
        const y = conv1d(x, w, { stride: s, padding: pad, groups, groupStrategy });
        expect(maxAbsDiff(y, tf.tensor(expected)), `${groupStrategy} groups ${groups}`).to.be.lessThan(1e-4);
        y.dispose();
      }
      tf.dispose([x, w]);
    }
  });

  it('a hand-worked grouped example: 2 groups, kernel 2, each output channel reads only its group', () => {
    // x: 1 sequence, 3 steps, channels (a, b); group 0 = channel a, group 1 = channel b.
    const x = tf.tensor3d([[[1, 10], [2, 20], [3, 30]]]);
    // filter [k=2, in/groups=1, out=2]: out 0 = 1·a[t] + 2·a[t+1]; out 1 = −1·b[t] + 3·b[t+1]
    const w = tf.tensor3d([[[1, -1]], [[2, 3]]]);
    for (const groupStrategy of ['batched', 'blockDiagonal'] as const) {
      const y = conv1d(x, w, { groups: 2, groupStrategy });
      expect(y.arraySync()).to.deep.equal([[[1 + 4, -10 + 60], [2 + 6, -20 + 90]]]);
      y.dispose();
    }
    const dense = blockDiagonalFilter(w, 2);
    expect((dense.arraySync() as number[][]).map((row) => row.map((v) => v + 0))).to.deep.equal([[1, 0], [0, -1], [2, 0], [0, 3]]);
    tf.dispose([x, w, dense]);
  });

  it("'same' padding is fairseq's padding=k//2 + SamePad: odd kernels pad (k−1)/2 each side, even kernels drop the last frame", () => {
    expect(resolvePadding('same', 19, 1)).to.deep.equal([9, 9]);
    expect(resolvePadding('same', 4, 1)).to.deep.equal([2, 1]);
    const rng = new Rng(3);
    tf.tidy(() => {
      const x = randn(rng, [2, 12, 3]);
      const w = randn(rng, [4, 3, 2]);
      const same = conv1d(x, w, { padding: 'same' });
      const fairseq = conv1d(x, w, { padding: 2 }); // padding=k//2 on both sides: 13 frames
      expect(fairseq.shape[1]).to.equal(13);
      expect(same.shape[1]).to.equal(12);
      expect(maxAbsDiff(same, fairseq.slice([0, 0, 0], [2, 12, 2]))).to.equal(0);
    });
  });

  it('the Conv1d module adds its bias and reports its output length', () => {
    const rng = new Rng(4);
    const conv = new Conv1d(3, 4, 3, rng, { stride: 2, padding: [1, 0] });
    expect(conv.weight.shape).to.deep.equal([3, 3, 4]);
    expect(conv.outputLength(10)).to.equal(5);
    tf.tidy(() => {
      const x = randn(rng, [1, 10, 3]);
      const y = conv.forward(x);
      const expected = referenceConv(x.arraySync() as number[][][], conv.weight.arraySync() as number[][][], 2, [1, 0], 1, Array.from(conv.bias!.dataSync()));
      expect(y.shape).to.deep.equal([1, 5, 4]);
      expect(maxAbsDiff(y, tf.tensor(expected))).to.be.lessThan(1e-5);
    });
    conv.dispose();
  });

  it('initialises like PyTorch: U(±1/√fan_in) by default, kaiming normal on request', () => {
    const conv = new Conv1d(32, 64, 19, new Rng(5), { groups: 16 });
    const bound = 1 / Math.sqrt(19 * 2);
    const w = conv.weight.dataSync();
    expect(Math.max(...w)).to.be.at.most(bound);
    expect(Math.min(...w)).to.be.at.least(-bound);
    expect(Math.max(...w)).to.be.greaterThan(0.9 * bound);
    const kaiming = new Conv1d(64, 64, 3, new Rng(5), { bias: false, init: { kind: 'kaimingNormal' } });
    expect(kaiming.bias).to.equal(undefined);
    const v = Array.from(kaiming.weight.dataSync());
    const std = Math.sqrt(v.reduce((s, a) => s + a * a, 0) / v.length);
    expect(std).to.be.closeTo(Math.sqrt(2 / (3 * 64)), 0.005);
    conv.dispose();
    kaiming.dispose();
  });

  it('rejects bad shapes and options with one clear sentence', () => {
    const x = tf.zeros([1, 10, 6]);
    expect(() => conv1d(x, tf.zeros([3, 4, 4]), { groups: 1 })).to.throw('the filter expects 4 input channels (4 per group × 1 groups) but the input has 6.');
    expect(() => conv1d(x, tf.zeros([3, 2, 4]), { groups: 4 })).to.throw('groups (4) must divide both the input (6) and output (4) channels.');
    expect(() => conv1d(x, tf.zeros([3, 6, 4]), { stride: 2, padding: 'same' })).to.throw("padding 'same' needs stride 1, got stride 2; give explicit padding instead.");
    expect(() => conv1d(tf.zeros([1, 2, 6]), tf.zeros([3, 6, 4]))).to.throw('a sequence of 2 steps is shorter than the kernel (3); give at least 3 steps.');
    expect(() => conv1d(tf.zeros([10, 6]), tf.zeros([3, 6, 4]))).to.throw('conv1d expects input [batch, length, channels], got shape [10,6].');
    expect(() => new Conv1d(6, 4, 3, new Rng(0), { groups: 4 })).to.throw('groups (4) must divide both the input (6) and output (4) channels.');
    x.dispose();
  });
});

describe('conv1d: gradients vs finite differences', () => {
  const cases: { name: string; make: (rng: Rng) => { conv: Conv1d; length: number } }[] = [
    { name: 'stride 5, kernel 10, no bias (feature CNN layer 0)', make: (r) => ({ conv: new Conv1d(1, 4, 10, r, { stride: 5, bias: false, init: { kind: 'normal', std: 0.5 } }), length: 27 }) },
    { name: 'stride 2, kernel 3, explicit padding', make: (r) => ({ conv: new Conv1d(3, 4, 3, r, { stride: 2, padding: [1, 2], init: { kind: 'normal', std: 0.5 } }), length: 12 }) },
    { name: "groups 4, kernel 7, 'same', batched", make: (r) => ({ conv: new Conv1d(8, 8, 7, r, { padding: 'same', groups: 4, groupStrategy: 'batched', init: { kind: 'normal', std: 0.5 } }), length: 9 }) },
    { name: "groups 2, kernel 4, 'same', block diagonal", make: (r) => ({ conv: new Conv1d(4, 6, 4, r, { padding: 'same', groups: 2, groupStrategy: 'blockDiagonal', init: { kind: 'normal', std: 0.5 } }), length: 8 }) },
  ];
  for (const backend of TRAINING_BACKENDS) {
    for (const c of cases) {
      it(`${c.name} on ${backend}: weight, bias and input`, async () => {
        await withBackend(backend, () => {
          const rng = new Rng(11);
          const { conv, length } = c.make(rng);
          const x = tf.variable(randn(rng, [2, length, conv.inChannels]));
          const probe = tf.tidy(() => randn(rng, conv.forward(x).shape));
          const loss = () => tf.tidy(() => tf.sum(tf.mul(conv.forward(x), probe)) as tf.Scalar);
          const vars: [string, tf.Variable][] = [...conv.namedTrainableParameters(), ['input', x]];
          const r = gradCheck(loss, vars, { eps: 1e-2, perTensor: 4 });
          expect(r.checked).to.be.greaterThan(vars.length);
          expect(r.worst, r.where).to.be.lessThan(2e-2);
          tf.dispose([x, probe]);
          conv.dispose();
        });
      });
    }
  }
});
