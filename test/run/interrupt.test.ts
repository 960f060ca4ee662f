/** The registry of running runs that a kernel interrupt stops. */
import { expect } from 'chai';
import { interruptRunning, registerRun } from '../../src/run/interrupt';

describe('interruptRunning', () => {
  it('aborts every registered run once, follows the caller\'s own signal, and forgets released runs', () => {
    const caller = new AbortController();
    const a = registerRun(caller.signal);
    const b = registerRun();
    const done = registerRun();
    done.release();
    expect(interruptRunning()).to.equal(2);
    expect([a.signal.aborted, b.signal.aborted, done.signal.aborted]).to.deep.equal([true, true, false]);
    expect(interruptRunning()).to.equal(0);
    a.release();
    b.release();
    const c = registerRun(caller.signal);
    expect(c.signal.aborted).to.equal(false);
    const d = new AbortController();
    const e = registerRun(d.signal);
    d.abort();
    expect(e.signal.aborted).to.equal(true);
    c.release();
    e.release();
  });
});
