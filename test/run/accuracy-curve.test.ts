/**
 * Time to accuracy on synthetic probe curves (`accuracy-curve.ts`): the first
 * crossing, interpolated between the probes around it, 0 at init, null when never
 * reached, and a clock that goes backwards refused.
 */
import { expect } from 'chai';
import { CurvePoint, accuracyAt, bestPoint, firstCrossing } from '../../src/run/accuracy-curve';

/** A curve from [seconds, accuracy] pairs; updates are 2 per second and CPU seconds 1.5 × wall. */
function curve(pairs: [number, number][]): CurvePoint[] {
  return pairs.map(([seconds, accuracy]) => ({ update: 2 * seconds, seconds, cpu_seconds: 1.5 * seconds, accuracy, weight_decay: 1e-3 }));
}

describe('accuracy curves: time to accuracy', () => {
  it('interpolates linearly between the last probe below and the first at or above the threshold', () => {
    const c = curve([[0, 0.5], [10, 0.6], [20, 0.7], [30, 0.8]]);
    const x = firstCrossing(c, 0.75)!;
    expect(x.seconds).to.be.closeTo(25, 1e-9);
    expect(x.cpu_seconds).to.be.closeTo(37.5, 1e-9);
    expect(x.updates).to.be.closeTo(50, 1e-9);
    expect(x.probe).to.equal(3);
    // exactly on a probe: that probe's time
    expect(firstCrossing(c, 0.7)!.seconds).to.be.closeTo(20, 1e-9);
  });

  it('takes the first crossing, not a later one, on a curve that dips and recovers', () => {
    const c = curve([[0, 0.6], [10, 0.72], [20, 0.55], [30, 0.9]]);
    expect(firstCrossing(c, 0.7)!.seconds).to.be.closeTo(10 * (0.1 / 0.12), 1e-9);
    expect(firstCrossing(c, 0.8)!.seconds).to.be.closeTo(20 + 10 * (0.25 / 0.35), 1e-9);
  });

  it('is 0 when the random-init probe already reaches the threshold, and null when no probe does', () => {
    const c = curve([[0, 0.7], [10, 0.65], [20, 0.69]]);
    expect(firstCrossing(c, 0.7)).to.deep.equal({ seconds: 0, cpu_seconds: 0, updates: 0, probe: 0 });
    expect(firstCrossing(c, 0.71)).to.equal(null);
    expect(firstCrossing([], 0.5)).to.equal(null);
  });

  it('refuses probes out of training order', () => {
    expect(() => firstCrossing(curve([[0, 0.5], [10, 0.6], [5, 0.7]]), 0.65)).to.throw(/probe 2 is at 5 s, before probe 1 at 10 s/);
  });

  it('finds the best probe and the accuracy known at a time', () => {
    const c = curve([[0, 0.5], [10, 0.8], [20, 0.7]]);
    expect(bestPoint(c).seconds).to.equal(10);
    expect(accuracyAt(c, 15)).to.equal(0.8);
    expect(accuracyAt(c, 20)).to.equal(0.7);
    expect(accuracyAt(curve([[3, 0.5]]), 1)).to.equal(null);
    expect(() => bestPoint([])).to.throw(/no probes/);
  });
});
