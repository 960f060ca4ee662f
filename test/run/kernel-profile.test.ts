/**
 * Per-kernel profile of updates (src/run/kernel-profile.ts): the aggregation sums
 * each kernel name's calls, time and FLOPs exactly and attributes nothing to the
 * wrong name (a property over random call lists), shares are of the updates' wall
 * time, the top-N cut folds the rest into one row, and a real profiled update on
 * this backend lists its matrix products with the hand-counted FLOPs.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { expect } from 'chai';
import { KernelCall, aggregateKernelCalls, formatKernelProfile, profileUpdates } from '../../src/run/kernel-profile';
import { kernelFlops } from '../../src/run/flops';

const NAMES = ['BatchMatMul', 'Add', 'Mul', 'Conv2D', 'Softmax', 'Sum'];

/** A call with shapes that give `name` a nonzero FLOP count where it has one. */
function call(name: string, ms: number, m = 4): KernelCall {
  if (name === 'BatchMatMul') return { name, ms, inputShapes: [[m, 8], [8, 3]], outputShapes: [[m, 3]] };
  if (name === 'Conv2D') return { name, ms, inputShapes: [[1, 6, 6, 2], [3, 3, 2, 5]], outputShapes: [[1, 4, 4, 5]] };
  return { name, ms, inputShapes: [[m, 3]], outputShapes: [[m, 3]] };
}

describe('run/kernel-profile: where an update\'s time goes', () => {
  it('sums a hand-made profile by kernel name: time, calls, share, FLOPs and GFLOP/s', () => {
    const calls = [call('BatchMatMul', 2, 4), call('Add', 1), call('BatchMatMul', 3, 10), call('Softmax', 0.5), call('Add', 0.25)];
    const p = aggregateKernelCalls(calls, [6, 4], 'wall-per-kernel');
    expect(p.updates).to.equal(2);
    expect(p.update_ms).to.equal(5);
    expect(p.kernel_ms_per_update).to.equal(3.375);
    expect(p.calls_per_update).to.equal(2.5);
    expect(p.kernels.map((r) => r.kernel)).to.deep.equal(['BatchMatMul', 'Add', 'Softmax']);
    const [mm, add] = p.kernels;
    const mmFlops = 2 * 4 * 3 * 8 + 2 * 10 * 3 * 8;
    expect(mm).to.deep.equal({ kernel: 'BatchMatMul', calls: 2, total_ms: 5, ms_per_update: 2.5, share: 0.5, flops: mmFlops, gflop_per_sec: mmFlops / 0.005 / 1e9 });
    expect(add).to.deep.include({ calls: 2, total_ms: 1.25, share: 0.125, flops: 0, gflop_per_sec: null });
    expect(p.rest).to.equal(undefined);
    const text = formatKernelProfile(p);
    expect(text).to.contain('wall clock per kernel; 2 profiled updates of 5.0 ms, 3.4 ms in 3 kernel calls per update');
    expect(text).to.match(/BatchMatMul\s+2\.50\s+50\.0%\s+2\s+0\.0/);
    // host dispatch times are not kernel run times: no GFLOP/s from them
    expect(aggregateKernelCalls(calls, [6, 4], 'dispatch-only').kernels[0].gflop_per_sec).to.equal(null);
  });

  it('property: every call lands in its own name\'s row, totals add up, rows are sorted, the rest row holds the others', () => {
    const arbCall = fc.record({ name: fc.constantFrom(...NAMES), ms: fc.double({ min: 0, max: 50, noNaN: true }), m: fc.integer({ min: 1, max: 9 }) });
    fc.assert(
      fc.property(fc.array(arbCall, { minLength: 1, maxLength: 60 }), fc.array(fc.double({ min: 1, max: 500, noNaN: true }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 6 }), (raw, wall, top) => {
        const calls = raw.map((c) => call(c.name, c.ms, c.m));
        const p = aggregateKernelCalls(calls, wall, 'gpu-timestamps', top);
        const wallSum = wall.reduce((a, b) => a + b, 0);
        const names = [...new Set(calls.map((c) => c.name))];
        expect(p.kernels.length).to.equal(Math.min(top, names.length));
        for (const r of p.kernels) {
          const mine = calls.filter((c) => c.name === r.kernel);
          expect(r.calls).to.equal(mine.length);
          expect(r.total_ms).to.be.closeTo(mine.reduce((s, c) => s + c.ms, 0), 1e-9);
          expect(r.flops).to.equal(mine.reduce((s, c) => s + kernelFlops(c.name, c.inputShapes, c.outputShapes), 0));
          expect(r.share).to.be.closeTo(r.total_ms / wallSum, 1e-12);
          expect(r.ms_per_update).to.be.closeTo(r.total_ms / wall.length, 1e-12);
        }
        for (let i = 1; i < p.kernels.length; i++) expect(p.kernels[i - 1].total_ms).to.be.at.least(p.kernels[i].total_ms);
        const rows = p.rest ? [...p.kernels, p.rest] : p.kernels;
        expect(rows.reduce((s, r) => s + r.calls, 0)).to.equal(calls.length);
        expect(rows.reduce((s, r) => s + r.total_ms, 0)).to.be.closeTo(calls.reduce((s, c) => s + c.ms, 0), 1e-9);
        expect(p.kernel_ms_per_update * wall.length).to.be.closeTo(calls.reduce((s, c) => s + c.ms, 0), 1e-9);
        if (p.rest) {
          expect(p.rest.kernel).to.equal(`${names.length - top} other kernels`);
          expect(p.rest.total_ms).to.be.at.most(p.kernels[p.kernels.length - 1].total_ms * (names.length - top) + 1e-9);
        } else {
          expect(names.length).to.be.at.most(top);
        }
      }),
      { numRuns: 200, seed: 12 },
    );
  });

  it('profiles real updates: the products of a forward and backward pass with their hand-counted FLOPs, per update', async () => {
    const x = tf.randomNormal([16, 16]);
    const b = tf.randomNormal([16, 4]);
    const w = tf.variable(tf.randomNormal([4, 3]));
    const p = await profileUpdates(async () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.matMul(tf.matMul(x, b), w)), [w]);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    }, 3);
    const mm = p.kernels.find((r) => r.kernel === 'BatchMatMul')!;
    // per update: two forward products and dW = (x·b)ᵀ·dy (see flops.test.ts)
    expect(mm.calls).to.equal(3 * 3);
    expect(mm.flops).to.equal(3 * (2 * 16 * 16 * 4 + 2 * 16 * 4 * 3 + 2 * 4 * 3 * 16));
    expect(p.time_source).to.equal('wall-per-kernel');
    expect(p.updates).to.equal(3);
    expect(p.kernels.reduce((s, r) => s + r.share, 0) + (p.rest?.share ?? 0)).to.be.within(0, 1);
    expect(p.kernels.every((r) => r.total_ms >= 0)).to.equal(true);
    tf.dispose([x, b, w]);
  });

  it('refuses a profile of no updates in one sentence', async () => {
    let message = '';
    await profileUpdates(async () => undefined, 0).catch((e: Error) => (message = e.message));
    expect(message).to.equal('--profile is 0; give a positive number of updates to profile.');
  });
});
