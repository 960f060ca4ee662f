/**
 * Device-made random tensors (src/backend/device-random.ts): the PCG hash against
 * values computed independently (Python integers), the statistics of the uniform and
 * normal streams, seed and stream independence, and dropout built on them (mask rate,
 * scaling, gradient). On webgpu the kernel is checked bit for bit against these
 * JavaScript values in test/backend/webgpu.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { hashDropout, hashNormal, hashUniform } from '../../src/backend/device-random';
import { hashUniformArray, pcgHash } from '../../src/util/pcg-stream';

const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;

describe('device random (PCG hash streams)', () => {
  it('pcgHash and the first uniforms of seed 42 equal values computed with Python integers', () => {
    expect([pcgHash(0), pcgHash(1), pcgHash(0xdeadbeef)]).to.deep.equal([129708002, 2831084092, 1730779506]);
    const u = hashUniformArray(3, 42);
    expect(Array.from(u)).to.deep.equal([0.11199146509170532, 0.1597203016281128, 0.624655544757843]);
  });

  it('uniform stream: in [0, 1), mean 1/2, variance 1/12, no lag-1 correlation; seeds and streams differ', () => {
    const n = 200_000;
    const u = hashUniformArray(n, 7);
    expect(Math.min(...u.subarray(0, 50_000))).to.be.at.least(0);
    expect(Math.max(...u.subarray(0, 50_000))).to.be.below(1);
    const m = mean(u);
    expect(Math.abs(m - 0.5)).to.be.below(0.005);
    const v = u.reduce((s, x) => s + (x - m) ** 2, 0) / n;
    expect(Math.abs(v - 1 / 12)).to.be.below(0.002);
    let c = 0;
    for (let i = 1; i < n; i++) c += (u[i] - m) * (u[i - 1] - m);
    expect(Math.abs(c / (n - 1) / v)).to.be.below(0.01);
    const other = hashUniformArray(1000, 8);
    const stream1 = hashUniformArray(1000, 7, 1);
    expect(other.filter((x, i) => x === u[i]).length).to.be.below(5);
    expect(stream1.filter((x, i) => x === u[i]).length).to.be.below(5);
    expect(Array.from(hashUniformArray(1000, 7))).to.deep.equal(Array.from(u.subarray(0, 1000)));
  });

  it('hashUniform on this backend has the bits of the JavaScript stream', async () => {
    const t = hashUniform([3, 5, 7], 123, 2);
    expect(t.shape).to.deep.equal([3, 5, 7]);
    expect(Array.from(await t.data())).to.deep.equal(Array.from(hashUniformArray(105, 123, 2)));
    t.dispose();
  });

  it('hashNormal: mean and standard deviation as asked, finite', async () => {
    const t = hashNormal([100_000], 0.5, 2, 11);
    const z = (await t.data()) as Float32Array;
    t.dispose();
    expect(z.every(Number.isFinite)).to.equal(true);
    const m = mean(z);
    const sd = Math.sqrt(z.reduce((s, x) => s + (x - m) ** 2, 0) / z.length);
    expect(Math.abs(m - 0.5)).to.be.below(0.03);
    expect(Math.abs(sd - 2)).to.be.below(0.03);
  });

  it('hashDropout: drops the rate, scales the rest by 1/(1 − rate), and the gradient is the same mask', async () => {
    const x = tf.fill([400, 250], 3);
    const rate = 0.3;
    const y = (await hashDropout(x, rate, 5).data()) as Float32Array;
    const dropped = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(dropped - rate)).to.be.below(0.01);
    const kept = y.filter((v) => v !== 0);
    expect(Math.max(...kept.map((v) => Math.abs(v - 3 / 0.7)))).to.be.below(1e-5);
    const g = (await tf.grad((t: tf.Tensor) => tf.sum(hashDropout(t, rate, 5)))(x).data()) as Float32Array;
    expect(Math.max(...g.map((v, i) => Math.abs(v - y[i] / 3)))).to.be.below(1e-6);
    expect(hashDropout(x, 0, 5)).to.equal(x);
    x.dispose();
  });
});
