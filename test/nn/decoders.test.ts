/**
 * The v2 conv decoders (spec §5.3) and the grouped 2-D convolution under them: values
 * against a direct loop over the definition (and tf.conv2d on cpu), shapes, the
 * residual added after the GELU only when widths match, the two-layer projection,
 * and finite-difference gradients on wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { GroupedConv2d } from '../../src/nn/conv2d';
import { Decoder2d } from '../../src/nn/decoder-2d';
import { Decoder1d } from '../../src/nn/decoder-1d';
import { ConvDecoderConfig } from '../../src/nn/decoders';
import { gradCheck } from '../helpers/gradcheck';
import { TRAINING_BACKENDS, withBackend } from '../helpers/backends';

const randn = (rng: Rng, shape: number[], std = 1) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1), std), shape);

/** Grouped conv by its definition: y[b,i,j,o] = bias[o] + Σ_{u,v,c in group(o)} x[b, i+u−⌊kh/2⌋, j+v−⌊kw/2⌋, c]·w[u,v,c−g·cg,o]. */
function referenceConv(x: Float32Array, [b, h, w, cin]: number[], wt: Float32Array, [kh, kw, cg, cout]: number[], bias: Float32Array | undefined, groups: number): Float32Array {
  const out = new Float32Array(b * h * w * cout);
  const og = cout / groups;
  for (let n = 0; n < b; n++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let o = 0; o < cout; o++) {
    const g = Math.floor(o / og);
    let s = bias ? bias[o] : 0;
    for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
      const ii = i + u - Math.floor(kh / 2);
      const jj = j + v - Math.floor(kw / 2);
      if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
      for (let c = 0; c < cg; c++) s += x[((n * h + ii) * w + jj) * cin + g * cg + c] * wt[((u * kw + v) * cg + c) * cout + o];
    }
    out[((n * h + i) * w + j) * cout + o] = s;
  }
  return out;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(a.length).to.equal(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).to.be.lessThan(tol);
}

const CONFIG: ConvDecoderConfig = { dim: 8, kernel: 3, layers: 2, groups: 2, residual: true, projectionLayers: 1 };

describe('GroupedConv2d (banded matMul)', () => {
  for (const [groups, kernel, cin, cout] of [[1, 3, 4, 6], [2, 3, 4, 6], [4, 3, 8, 8], [2, 2, 4, 4], [2, [1, 3], 4, 4]] as [number, number | [number, number], number, number][]) {
    it(`equals the definition (groups ${groups}, kernel ${JSON.stringify(kernel)}, ${cin} → ${cout})`, () => {
      const rng = new Rng(3);
      const conv = new GroupedConv2d({ inChannels: cin, outChannels: cout, kernel, groups }, rng);
      const x = randn(rng, [2, 4, 5, cin]);
      const y = conv.forward(x);
      expect(y.shape).to.deep.equal([2, 4, 5, cout]);
      const ref = referenceConv(x.dataSync() as Float32Array, x.shape, conv.weight.dataSync() as Float32Array, conv.weight.shape, conv.bias!.dataSync() as Float32Array, groups);
      expectClose(y.dataSync(), ref);
      tf.dispose([x, y]);
      conv.dispose();
    });
  }

  it('equals tf.conv2d with "same" padding on cpu (groups 1)', async () => {
    await withBackend('cpu', () => {
      const rng = new Rng(4);
      const conv = new GroupedConv2d({ inChannels: 3, outChannels: 5, kernel: 3, bias: false }, rng);
      const x = randn(rng, [2, 6, 6, 3]);
      expectClose(conv.forward(x).dataSync(), tf.conv2d(x as tf.Tensor4D, conv.weight as tf.Tensor4D, 1, 'same').dataSync());
      conv.dispose();
    });
  });

  it('rejects channels that groups do not divide', () => {
    expect(() => new GroupedConv2d({ inChannels: 6, outChannels: 8, kernel: 3, groups: 4 }, new Rng(0))).to.throw(/not divisible by groups=4/);
  });
});

describe('Decoder2d / Decoder1d (spec §5.3)', () => {
  it('maps [R, H·W, D] to [R, H·W, D] with fairseq parameter names', () => {
    const dec = new Decoder2d(CONFIG, 6, [3, 4], new Rng(1));
    const y = dec.forward(tf.ones([5, 12, 6]));
    expect(y.shape).to.deep.equal([5, 12, 6]);
    expect(dec.namedParameters().map(([n]) => n)).to.deep.equal(['blocks.0.0.weight', 'blocks.0.0.bias', 'blocks.1.0.weight', 'blocks.1.0.bias', 'proj.0.weight', 'proj.0.bias']);
    expect(dec.convs[0].weight.shape).to.deep.equal([3, 3, 3, 8]);
    expect(() => dec.forward(tf.ones([5, 10, 6]))).to.throw(/3x4 grid got 10 tokens/);
    dec.dispose();
  });

  it('adds the residual after the GELU, only when the block input width equals decoder_dim', () => {
    // Zero conv weights: each block's conv output is its bias, so block = GELU(LN(bias)) (+ input).
    const build = (inputDim: number, residual: boolean) => {
      const dec = new Decoder2d({ ...CONFIG, layers: 1, groups: 1, residual }, inputDim, [2, 2], new Rng(2));
      dec.convs[0].weight.assign(tf.zerosLike(dec.convs[0].weight));
      dec.convs[0].bias!.assign(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7]));
      dec.proj.namedParameters().forEach(([n, v]) => v.assign(n.endsWith('weight') ? tf.eye(8) : tf.zeros([8])));
      return dec;
    };
    const mean = 3.5;
    const sd = Math.sqrt([0, 1, 2, 3, 4, 5, 6, 7].reduce((s, v) => s + (v - mean) ** 2, 0) / 8 + 1e-5);
    const geluLn = [0, 1, 2, 3, 4, 5, 6, 7].map((v) => {
      const z = (v - mean) / sd;
      return tf.tidy(() => tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(z / Math.SQRT2), 1)).dataSync()[0]);
    });
    const x = new Rng(5).normalArray(4 * 8);
    const input = tf.tensor3d(x, [1, 4, 8]);
    const withRes = build(8, true).forward(input).dataSync();
    const noRes = build(8, false).forward(input).dataSync();
    for (let p = 0; p < 4; p++) {
      for (let c = 0; c < 8; c++) {
        expect(withRes[p * 8 + c]).to.be.closeTo(geluLn[c] + x[p * 8 + c], 1e-4);
        expect(noRes[p * 8 + c]).to.be.closeTo(geluLn[c], 1e-4);
      }
    }
    // Width 8 → 8 has a residual; width 4 → 8 cannot (fairseq add_residual compares channel counts).
    const narrow = build(8, true);
    const dec4 = new Decoder2d({ ...CONFIG, layers: 1, groups: 1 }, 4, [2, 2], new Rng(2));
    dec4.convs[0].weight.assign(tf.zerosLike(dec4.convs[0].weight));
    dec4.convs[0].bias!.assign(narrow.convs[0].bias!);
    const hidden = tf.tidy(() => {
      const y = dec4.forward(tf.ones([1, 4, 4]));
      const w = dec4.proj.namedParameters()[0][1];
      const b = dec4.proj.namedParameters()[1][1];
      const expected = tf.add(tf.matMul(tf.tensor2d([geluLn]), w), b);
      return tf.sub(y.reshape([4, 4]), expected).abs().max().dataSync()[0];
    });
    expect(hidden).to.be.lessThan(1e-4);
  });

  it('Decoder1d keeps the length and builds the text projection Linear(d, 2d) → GELU → Linear(2d, D)', () => {
    const dec = new Decoder1d({ dim: 8, kernel: 9, layers: 2, groups: 1, residual: false, projectionLayers: 2 }, 6, new Rng(1));
    const y = dec.forward(tf.ones([3, 11, 6]));
    expect(y.shape).to.deep.equal([3, 11, 6]);
    const shapes = Object.fromEntries(dec.namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes['blocks.0.0.weight']).to.deep.equal([9, 6, 8]);
    expect(shapes['proj.0.weight']).to.deep.equal([8, 16]);
    expect(shapes['proj.2.weight']).to.deep.equal([16, 6]);
    expect(() => dec.forward(tf.ones([3, 11]))).to.throw(/Decoder1d expects \[batch, length, 6\]/);
    dec.dispose();
  });

  it('Decoder1d with keep: a padded row decodes at its real positions exactly as the unpadded row alone', () => {
    const dec = new Decoder1d({ dim: 8, kernel: 5, layers: 3, groups: 2, residual: true, projectionLayers: 2 }, 8, new Rng(4));
    const rng = new Rng(5);
    const real = tf.tensor3d(rng.normalArray(7 * 8), [1, 7, 8]);
    const pads = tf.tensor3d(rng.normalArray(4 * 8).map((v) => 3 * v), [1, 4, 8]); // encoder outputs at pad positions
    const padded = tf.concat([real, pads], 1);
    const keep = tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]]);
    const alone = dec.forward(real).dataSync();
    const withKeep = dec.forward(padded, keep).slice([0, 0, 0], [1, 7, 8]).dataSync();
    const withoutKeep = dec.forward(padded).slice([0, 0, 0], [1, 7, 8]).dataSync();
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    expect(maxDiff(withKeep, alone)).to.be.lessThan(1e-5);
    // without keep, the pads' values leak into the last real positions through the kernel
    expect(maxDiff(withoutKeep, alone)).to.be.greaterThan(1e-3);
    expect(() => dec.forward(padded, tf.ones([1, 10]))).to.throw(/keep has shape \[1,10\] but the input has 1 rows of 11 positions/);
    dec.dispose();
  });

  it('rejects groups that do not divide the widths', () => {
    expect(() => new Decoder2d({ ...CONFIG, groups: 3 }, 6, [2, 2], new Rng(0))).to.throw(/groups=3 must divide/);
  });
});

describe('conv decoder gradients vs finite differences', () => {
  for (const backend of TRAINING_BACKENDS) {
    it(`GroupedConv2d, Decoder2d and Decoder1d on ${backend}`, async () => {
      await withBackend(backend, () => {
        const rng = new Rng(11);
        const cases = [
          { module: new GroupedConv2d({ inChannels: 4, outChannels: 4, kernel: 3, groups: 2, init: { kind: 'normal', std: 0.5 } }, rng), shape: [2, 3, 3, 4] },
          { module: new Decoder2d({ ...CONFIG, dim: 4 }, 4, [2, 3], rng), shape: [2, 6, 4] },
          { module: new Decoder1d({ ...CONFIG, dim: 4, kernel: 3, projectionLayers: 2 }, 4, rng), shape: [2, 5, 4] },
        ];
        for (const { module, shape } of cases) {
          const x = tf.variable(randn(rng, shape));
          const out = (module as GroupedConv2d | Decoder2d | Decoder1d).forward(x);
          const probe = randn(rng, out.shape);
          const loss = () => tf.tidy(() => tf.sum(tf.mul((module as GroupedConv2d | Decoder2d | Decoder1d).forward(x), probe)) as tf.Scalar);
          const vars: [string, tf.Variable][] = [...module.namedTrainableParameters(), ['input', x]];
          const r = gradCheck(loss, vars, { eps: 1e-2, perTensor: 4 });
          expect(r.worst, r.where).to.be.lessThan(2e-2);
          tf.dispose([x, out, probe]);
          module.dispose();
        }
      });
    });
  }
});
