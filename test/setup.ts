/**
 * Mocha root hooks: initialise the backend once (D2V_BACKEND, default wasm) and keep
 * tfjs quiet. Tests that need a particular backend switch with `useBackend`.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, describeBackend } from '../src/backend/select';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    const info = await initBackend();
    tf.enableProdMode();
    // eslint-disable-next-line no-console
    console.log(`      ${describeBackend(info)}`);
  },
};
