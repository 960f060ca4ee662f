/** Whether the `webgpu` backend starts here; under CI=true its absence is a failure, never a skip. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select';

/** True when a WebGPU adapter starts (the current backend is restored); prints the skip reason otherwise. */
export async function webgpuAvailable(): Promise<boolean> {
  const previous = tf.getBackend();
  try {
    await initBackend('webgpu');
    return true;
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`CI=true but the webgpu backend did not start: ${(e as Error).message}`);
    // eslint-disable-next-line no-console
    console.log(`      skipped: no WebGPU adapter (${(e as Error).message})`);
    return false;
  } finally {
    await initBackend(previous);
  }
}
