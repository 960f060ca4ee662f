/** `expect(() => f()).to.throw(pattern)` for async functions: the promise must reject with a matching message. */
import { expect } from 'chai';

export async function expectRejection(promise: Promise<unknown>, pattern: string | RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a rejection').to.be.instanceOf(Error);
  const message = (error as Error).message;
  if (typeof pattern === 'string') expect(message).to.include(pattern);
  else expect(message).to.match(pattern);
}
