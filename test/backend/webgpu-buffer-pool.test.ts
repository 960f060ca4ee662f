/**
 * The best-fit GPU buffer pool of the `webgpu` backend (`src/backend/webgpu-buffer-pool.ts`):
 * - its rule on a recording device: the smallest free buffer of the usage within
 *   the fit, exact reuse for mapped and uniform buffers, the storage-binding limit,
 *   the accounting, and a run of shrinking requests that allocates once;
 * - under a device-memory budget: which free buffers are destroyed and in what order,
 *   one submit before a request fails, the failure sentence, and no change at all
 *   without a budget; on the backend, a budget from `initBackend` turns an update
 *   that needs more into the out-of-GPU-memory line;
 * - on the backend (Dawn): tensors living in larger reused buffers read back exactly
 *   (float32 uploads, int32 and bool kernel outputs, `dataToGPU`, a tensor made from
 *   a larger GPU buffer), shrinking uploads reuse one buffer, and the counters come
 *   back to where they started after disposal and `releaseFreeGpuBuffers`.
 * Without an adapter the backend tests say `skipped: no WebGPU adapter`; under CI=true
 * a missing adapter is a failure.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import {
  BestFitBufferPool,
  BufferDevice,
  DEFAULT_BUFFER_FIT,
  PooledBuffer,
  bindingLimitMessage,
  installedBufferPool,
  memoryBudgetMessage,
  webGpuBufferFit,
} from '../../src/backend/webgpu-buffer-pool';
import { guardDeviceMemory, releaseFreeGpuBuffers } from '../../src/backend/webgpu';
import { currentBackend, initBackend } from '../../src/backend/select';
import { withBackend } from '../helpers/backends';
import { webgpuAvailable } from '../helpers/webgpu-available';

const STORAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST, as tfjs's tensors
const MAP_READ = 0x01 | 0x08;
const UNIFORM = 0x40 | 0x08;

class RecordedBuffer implements PooledBuffer {
  destroyed = false;
  constructor(
    readonly size: number,
    readonly usage: number,
  ) {}
  destroy(): void {
    this.destroyed = true;
  }
}

function recordingDevice(maxStorageBufferBindingSize = 1 << 30): BufferDevice & { created: RecordedBuffer[] } {
  const created: RecordedBuffer[] = [];
  return {
    created,
    limits: { maxStorageBufferBindingSize },
    createBuffer: ({ size, usage }) => {
      const b = new RecordedBuffer(size, usage);
      created.push(b);
      return b;
    },
  };
}

describe('best-fit GPU buffer pool', () => {
  it('gives the smallest free buffer of the usage within the fit, else creates one of the requested size', () => {
    const device = recordingDevice();
    const pool = new BestFitBufferPool(device, 2);
    const [b1000, b1500, b4000] = [1000, 1500, 4000].map((s) => pool.acquireBuffer(s, STORAGE));
    const other = pool.acquireBuffer(1200, 0x80 | 0x04); // another usage
    [b4000, b1000, b1500, other].forEach((b) => pool.releaseBuffer(b));
    expect(pool.acquireBuffer(900, STORAGE)).to.equal(b1000);
    expect(pool.acquireBuffer(800, STORAGE)).to.equal(b1500); // 1500 ≤ 2 × 800
    const fresh = pool.acquireBuffer(1000, STORAGE); // 4000 > 2 × 1000, and 1200 is another usage
    expect(fresh.size).to.equal(1000);
    expect(device.created).to.have.length(5);
    expect(pool.acquireBuffer(2000, STORAGE)).to.equal(b4000);
  });

  it('mapped and uniform buffers are reused only at their exact size; a buffer beyond the binding limit is not given to a storage request', () => {
    const device = recordingDevice(1000);
    const pool = new BestFitBufferPool(device, 4);
    const staging = pool.acquireBuffer(800, MAP_READ);
    const uniform = pool.acquireBuffer(32, UNIFORM);
    const big = new RecordedBuffer(1200, STORAGE); // one tfjs's own manager made, taken over
    pool.adopt({ freeBuffers: new Map([['1200_' + STORAGE, [big]]]) });
    [staging, uniform].forEach((b) => pool.releaseBuffer(b));
    expect(pool.acquireBuffer(796, MAP_READ)).to.not.equal(staging);
    expect(pool.acquireBuffer(16, UNIFORM)).to.not.equal(uniform);
    expect(pool.acquireBuffer(900, STORAGE)).to.not.equal(big); // 1200 ≤ 4 × 900 but above the 1000-byte binding limit
    expect(pool.acquireBuffer(800, MAP_READ)).to.equal(staging);
    expect(pool.acquireBuffer(32, UNIFORM)).to.equal(uniform);
  });

  it('a storage request beyond the binding limit is refused with one sentence and creates nothing; other usages may exceed it', () => {
    const device = recordingDevice(1000);
    const pool = new BestFitBufferPool(device, 2);
    expect(() => pool.acquireBuffer(1200, STORAGE)).to.throw(bindingLimitMessage(1200, 1000));
    expect(device.created).to.have.length(0);
    expect(pool.numBytesAllocated).to.equal(0);
    expect(pool.acquireBuffer(1000, STORAGE).size).to.equal(1000); // at the limit
    expect(pool.acquireBuffer(1200, MAP_READ).size).to.equal(1200); // a staging buffer is never bound
    expect(bindingLimitMessage(3 * 2 ** 29, 2 ** 27)).to.equal(
      'a tensor of 1536.0 MiB is larger than this GPU adapter binds per buffer (maxStorageBufferBindingSize, 128.0 MiB); a smaller batch, shorter inputs or a smaller model fits',
    );
  });

  it('shrinking requests reuse the first buffer (fit 2) where exact reuse (fit 1) allocates each size', () => {
    const sizes = Array.from({ length: 10 }, (_, k) => 4000 - 200 * k); // 4000 … 2200
    for (const [fit, allocations] of [
      [2, 1],
      [1, sizes.length],
    ] as const) {
      const device = recordingDevice();
      const pool = new BestFitBufferPool(device, fit);
      for (const s of sizes) pool.releaseBuffer(pool.acquireBuffer(s, STORAGE));
      expect(device.created, `fit ${fit}`).to.have.length(allocations);
      expect(pool.numBytesAllocated).to.equal(fit === 2 ? 4000 : sizes.reduce((a, b) => a + b, 0));
    }
  });

  it('counts whole buffers in use, the bytes asked for, and comes back to zero after release and releaseFree', () => {
    const device = recordingDevice();
    const pool = new BestFitBufferPool(device, 2);
    pool.releaseBuffer(pool.acquireBuffer(4000, STORAGE));
    const a = pool.acquireBuffer(3000, STORAGE); // the 4000-byte buffer
    const b = pool.acquireBuffer(100, STORAGE);
    expect([pool.numBytesUsed, pool.numBytesRequested, pool.numBytesAllocated]).to.deep.equal([4100, 3100, 4100]);
    expect([pool.getNumUsedBuffers(), pool.getNumFreeBuffers()]).to.deep.equal([2, 0]);
    pool.releaseBuffer(a);
    pool.releaseBuffer(b, false); // not reused: destroyed at once
    expect((b as RecordedBuffer).destroyed).to.equal(true);
    expect([pool.numBytesUsed, pool.numBytesRequested, pool.numBytesAllocated, pool.getNumFreeBuffers()]).to.deep.equal([0, 0, 4000, 1]);
    expect(pool.releaseFree()).to.equal(4000);
    expect((a as RecordedBuffer).destroyed).to.equal(true);
    expect([pool.numBytesAllocated, pool.getNumFreeBuffers(), pool.getNumUsedBuffers()]).to.deep.equal([0, 0, 0]);
    expect(() => pool.releaseBuffer(new RecordedBuffer(8, STORAGE))).to.throw('Cannot find the buffer in buffer manager');
  });

  it('takes over the buffers of the manager it replaces', () => {
    const device = recordingDevice();
    const pool = new BestFitBufferPool(device, 2);
    const live = new RecordedBuffer(400, STORAGE);
    const spare = new RecordedBuffer(600, STORAGE);
    pool.adopt({ usedBuffers: new Map([['400_140', [live]]]), freeBuffers: new Map([['600_140', [spare]]]) });
    expect([pool.numBytesUsed, pool.numBytesAllocated, pool.getNumFreeBuffers()]).to.deep.equal([400, 1000, 1]);
    expect(pool.acquireBuffer(500, STORAGE)).to.equal(spare);
    pool.releaseBuffer(live);
    expect(pool.numBytesUsed).to.equal(600);
  });

  it('D2V_WEBGPU_BUFFER_FIT: exact, a ratio ≥ 1, else the default; a bad value is one sentence naming the variable', () => {
    expect(webGpuBufferFit({})).to.equal(DEFAULT_BUFFER_FIT);
    expect(webGpuBufferFit({ D2V_WEBGPU_BUFFER_FIT: ' EXACT ' })).to.equal('exact');
    expect(webGpuBufferFit({ D2V_WEBGPU_BUFFER_FIT: '1.5' })).to.equal(1.5);
    for (const bad of ['0.5', 'loose']) {
      expect(() => webGpuBufferFit({ D2V_WEBGPU_BUFFER_FIT: bad })).to.throw(`D2V_WEBGPU_BUFFER_FIT must be "exact" or a number ≥ 1 (largest size ratio of a reused GPU buffer to the request), got "${bad}".`);
    }
  });
});

describe('best-fit GPU buffer pool under a device-memory budget', () => {
  /** Acquire buffers of these sizes, then release them in this order (a hoard of free buffers). */
  const hoard = (pool: BestFitBufferPool, sizes: number[], releaseOrder: number[]): PooledBuffer[] => {
    const buffers = sizes.map((s) => pool.acquireBuffer(s, STORAGE));
    releaseOrder.forEach((i) => pool.releaseBuffer(buffers[i]));
    return buffers;
  };

  it('`oldest` order destroys free buffers, least recently released first, only until the new buffer fits, and keeps the counters exact', () => {
    const device = recordingDevice();
    const pool = new BestFitBufferPool(device, 2, { memoryLimit: 10_000, eviction: 'oldest' });
    const [b1000, b2000, b3000, b4000] = hoard(pool, [1000, 2000, 3000, 4000], [2, 0, 3, 1]); // released: 3000, 1000, 4000, 2000
    expect([pool.numBytesAllocated, pool.getNumFreeBuffers()]).to.deep.equal([10_000, 4]);
    const big = pool.acquireBuffer(9000, STORAGE); // none of the free ones is within 2×; 9,000 more bytes need 9,000 freed
    expect(big.size).to.equal(9000);
    expect([b3000, b1000, b4000, b2000].map((b) => (b as RecordedBuffer).destroyed)).to.deep.equal([true, true, true, true]);
    expect([pool.numBytesAllocated, pool.getNumFreeBuffers(), pool.numBuffersEvicted, pool.numBytesEvicted]).to.deep.equal([9000, 0, 4, 10_000]);
    pool.releaseBuffer(big);

    const small = new BestFitBufferPool(recordingDevice(), 2, { memoryLimit: 10_000, eviction: 'oldest' });
    const [c1000, c2000, c3000, c4000] = hoard(small, [1000, 2000, 3000, 4000], [2, 0, 3, 1]);
    small.acquireBuffer(3500, 0x80 | 0x04); // another usage: nothing to reuse; 3,500 bytes need the 3,000 and the 1,000 freed
    expect([c3000, c1000, c4000, c2000].map((b) => (b as RecordedBuffer).destroyed)).to.deep.equal([true, true, false, false]);
    expect([small.numBytesAllocated, small.getNumFreeBuffers(), small.numBuffersEvicted, small.numBuffersCreated]).to.deep.equal([9500, 2, 2, 5]);
    expect(small.acquireBuffer(1500, STORAGE)).to.equal(c2000); // the survivors are still reused
    expect(small.acquireBuffer(2500, STORAGE)).to.equal(c4000);
    expect(small.getNumFreeBuffers()).to.equal(0);
  });

  it('the default order (`fewest`) destroys the one smallest buffer that makes room, else the largest first', () => {
    const pool = new BestFitBufferPool(recordingDevice(), 2, { memoryLimit: 10_000 });
    const [b1000, b2000, b3000, b4000] = hoard(pool, [1000, 2000, 3000, 4000], [2, 0, 3, 1]);
    pool.acquireBuffer(2500, 0x80 | 0x04); // 2,500 missing: the 3,000 alone
    expect([b1000, b2000, b3000, b4000].map((b) => (b as RecordedBuffer).destroyed)).to.deep.equal([false, false, true, false]);
    pool.acquireBuffer(5500, 0x80 | 0x04); // 5,000 missing, no single buffer: 4,000 then 2,000
    expect([b1000, b2000, b3000, b4000].map((b) => (b as RecordedBuffer).destroyed)).to.deep.equal([false, true, true, true]);
    expect([pool.numBytesAllocated, pool.numBuffersEvicted]).to.deep.equal([9000, 3]);
  });

  it('a buffer that does not fit beside those in use fails at once with the sentence, creates nothing, after one flush', () => {
    const device = recordingDevice();
    let flushes = 0;
    const pool = new BestFitBufferPool(device, 2, { memoryLimit: 10_000, flush: () => flushes++ });
    const live = pool.acquireBuffer(6000, STORAGE);
    pool.releaseBuffer(pool.acquireBuffer(3000, STORAGE)); // free: destroyed for the failing request
    expect(() => pool.acquireBuffer(5000, STORAGE)).to.throw(memoryBudgetMessage(5000, 10_000, 6000));
    expect(flushes).to.equal(1);
    expect(device.created).to.have.length(2);
    expect([pool.numBytesAllocated, pool.numBytesUsed, pool.getNumFreeBuffers(), pool.getNumUsedBuffers()]).to.deep.equal([6000, 6000, 0, 1]);
    expect(pool.acquireBuffer(4000, STORAGE).size).to.equal(4000); // exactly at the budget
    pool.releaseBuffer(live);
    expect(memoryBudgetMessage(3 * 2 ** 29, 2 ** 31, 2 ** 30)).to.equal(
      'a GPU buffer of 1536.0 MiB does not fit in the GPU memory budget of 2048.0 MiB (D2V_WEBGPU_MEMORY_LIMIT or the webgpuMemoryLimit option) beside the 1024.0 MiB in use; a smaller batch, shorter inputs, a smaller model or a larger budget fits',
    );
  });

  it('a flush that gives back a buffer waiting for a submit lets the request reuse it', () => {
    const device = recordingDevice();
    let pending: PooledBuffer | undefined;
    const pool: BestFitBufferPool = new BestFitBufferPool(device, 2, { memoryLimit: 10_000, flush: () => pending && pool.releaseBuffer(pending) });
    pending = pool.acquireBuffer(7000, STORAGE); // disposed, but its release waits for the submit
    expect(pool.acquireBuffer(5000, STORAGE)).to.equal(pending);
    expect([device.created.length, pool.numFlushes, pool.numBytesAllocated]).to.deep.equal([1, 1, 7000]);
  });

  it('without a budget the pool creates and keeps the same buffers as before, and never flushes', () => {
    let s = 7;
    const random = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const run = (pool: BestFitBufferPool, device: ReturnType<typeof recordingDevice>) => {
      const live: PooledBuffer[] = [];
      for (let k = 0; k < 2000; k++) {
        if (live.length >= 40 || (live.length > 0 && random(2) === 0)) pool.releaseBuffer(live.splice(random(live.length), 1)[0]);
        else live.push(pool.acquireBuffer(4 * (1 + random(5000)), random(4) === 0 ? UNIFORM : STORAGE));
      }
      return { created: device.created.map((b) => b.size), allocated: pool.numBytesAllocated, free: pool.getNumFreeBuffers() };
    };
    const runs = [undefined, { memoryLimit: null, flush: () => expect.fail('no budget, no flush') }, { memoryLimit: 1_000_000 }].map((options) => {
      s = 7;
      const device = recordingDevice();
      const pool = new BestFitBufferPool(device, 2, options);
      return { ...run(pool, device), evicted: pool.numBuffersEvicted };
    });
    expect(runs[1]).to.deep.equal(runs[0]);
    expect(runs[0].evicted).to.equal(0);
    expect(runs[0].allocated).to.be.greaterThan(1_000_000); // the workload does hoard: a budget changes it
    expect(runs[2].allocated).to.be.at.most(1_000_000);
    expect(runs[2].evicted).to.be.greaterThan(0);
  });
});

interface BackendInternals {
  tensorMap: { get(dataId: object): { resource: { size: number } | null } };
  device: { createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean }): { getMappedRange(): ArrayBuffer; unmap(): void; destroy(): void } };
  uploadToGPU(dataId: object): void;
}

describe('best-fit GPU buffer pool on the webgpu backend (Dawn)', function () {
  this.timeout(60_000);
  let available = false;
  before(async () => {
    available = await webgpuAvailable();
  });

  const backend = () => tf.backend() as unknown as BackendInternals;
  /** Bytes of the GPU buffer holding `t`. */
  const bufferBytes = (t: tf.Tensor) => backend().tensorMap.get(t.dataId).resource!.size;
  /** Leave one free 4·n-byte buffer in the pool, holding the value 7 in every element. */
  const staleBuffer = async (n: number) => {
    const t = tf.fill([n], 7);
    await t.data(); // submits, so the buffer is free as soon as it is disposed
    t.dispose();
  };

  it('is installed by initBackend, and tensors in larger reused buffers read back exactly (float32, int32, bool)', async function () {
    if (!available) this.skip();
    await withBackend('webgpu', async () => {
      expect(installedBufferPool()?.fit).to.equal(DEFAULT_BUFFER_FIT);
      const n = 1501; // above tfjs's CPU hand-off size, so the kernels run on the GPU
      const fv = Array.from({ length: n }, (_, k) => [1.5, -2.25, 3e-8, 7][k % 4] * (k + 1));
      const iv = Array.from({ length: n }, (_, k) => (k % 2 ? -1 : 1) * ((k * 2654435761) % 16777213));
      const bv = Array.from({ length: n }, (_, k) => k % 3 === 0);
      releaseFreeGpuBuffers();

      await staleBuffer(2 * n - 3);
      const f = tf.tensor1d(fv);
      backend().uploadToGPU(f.dataId); // an upload into the stale buffer
      expect(bufferBytes(f)).to.equal(4 * (2 * n - 3));
      expect(Array.from(await f.data())).to.deep.equal(Array.from(Float32Array.from(fv)));

      const i = tf.tensor1d(iv, 'int32');
      backend().uploadToGPU(i.dataId);
      await staleBuffer(n + 500);
      const shifted = tf.add(i, tf.scalar(3, 'int32')); // the output takes the stale buffer
      expect(bufferBytes(shifted)).to.equal(4 * (n + 500));
      expect(Array.from(await shifted.data())).to.deep.equal(iv.map((v) => v + 3));

      const b = tf.tensor1d(bv, 'bool');
      backend().uploadToGPU(b.dataId);
      await staleBuffer(n + 7);
      const not = tf.logicalNot(b);
      expect(bufferBytes(not)).to.equal(4 * (n + 7));
      const notValues = await not.data();
      expect(notValues).to.be.instanceOf(Uint8Array);
      expect(Array.from(notValues)).to.deep.equal(bv.map((v) => (v ? 0 : 1)));

      // dataToGPU copies into a buffer at least as large; its tensor reads the n values
      const onGpu = shifted.dataToGPU();
      expect(Array.from(await onGpu.tensorRef.data())).to.deep.equal(iv.map((v) => v + 3));
      onGpu.tensorRef.dispose();
      tf.dispose([f, i, b, shifted, not]);
    });
  });

  it('outside an update, a tensor beyond the binding limit is refused with the sentence instead of a validation warning', async function () {
    if (!available) this.skip();
    await withBackend('webgpu', async () => {
      const limit = (tf.backend() as unknown as { device: { limits: { maxStorageBufferBindingSize: number } } }).device.limits.maxStorageBufferBindingSize;
      if (limit > 2 ** 28) this.skip(); // a real GPU: the tensor would be gigabytes
      const allocated = installedBufferPool()!.numBytesAllocated;
      const floats = limit / 4 + 1024;
      expect(() => tf.fill([floats], 1.5)).to.throw(bindingLimitMessage(4 * floats, limit));
      expect(installedBufferPool()!.numBytesAllocated).to.equal(allocated);
      const fine = tf.fill([1024], 1.5); // the backend goes on
      expect((await fine.data())[1023]).to.equal(1.5);
      fine.dispose();
    });
  });

  it('a tensor made from a larger GPU buffer reads only its own values', async function () {
    if (!available) this.skip();
    await withBackend('webgpu', async () => {
      const buffer = backend().device.createBuffer({ size: 64, usage: STORAGE, mappedAtCreation: true });
      new Float32Array(buffer.getMappedRange()).set(Array.from({ length: 16 }, (_, k) => k + 0.5));
      buffer.unmap();
      const t = tf.tensor({ buffer } as unknown as tf.WebGPUData, [5], 'float32');
      expect(Array.from(await t.data())).to.deep.equal([0.5, 1.5, 2.5, 3.5, 4.5]);
      t.dispose();
      buffer.destroy();
    });
  });

  it('shrinking uploads reuse the first buffer; after disposal and releaseFreeGpuBuffers the counters are back where they started', async function () {
    if (!available) this.skip();
    await withBackend('webgpu', async () => {
      releaseFreeGpuBuffers();
      const pool = installedBufferPool()!;
      const start = { used: pool.numBytesUsed, requested: pool.numBytesRequested, allocated: pool.numBytesAllocated };
      expect(start.allocated).to.equal(start.used);
      const device = backend().device;
      const create = device.createBuffer.bind(device);
      const storageCreated: number[] = [];
      device.createBuffer = (d) => {
        if (d.usage & 0x80) storageCreated.push(d.size);
        return create(d);
      };
      const sizes = Array.from({ length: 8 }, (_, k) => 40_000 - 2_500 * k); // 40,000 … 22,500 elements
      let last: tf.Tensor | undefined;
      try {
        for (const n of sizes) {
          last?.dispose(); // no command used it: its buffer is free at once
          last = tf.tensor1d(new Int32Array(n).fill(n), 'int32');
          backend().uploadToGPU(last.dataId);
        }
      } finally {
        device.createBuffer = create;
      }
      expect(storageCreated).to.deep.equal([4 * sizes[0]]); // exact reuse would create one per size
      expect(pool.numBytesAllocated - start.allocated).to.equal(4 * sizes[0]);
      expect(pool.numBytesRequested - start.requested).to.equal(4 * sizes[7]);
      const values = await last!.data();
      expect(values.length).to.equal(sizes[7]);
      expect(values.every((v) => v === sizes[7])).to.equal(true);
      last!.dispose();
      const probe = tf.tidy(() => tf.add(tf.ones([2000]), 1));
      await probe.data(); // a submit, so nothing waits for disposal
      probe.dispose();
      releaseFreeGpuBuffers();
      expect([pool.numBytesUsed, pool.numBytesRequested, pool.numBytesAllocated, pool.getNumFreeBuffers()]).to.deep.equal([start.used, start.requested, start.used, 0]);
    });
  });
  it('with a budget from initBackend, an update that needs more fails at once with the out-of-memory sentence and the pool stays within it', async function () {
    if (!available) this.skip();
    const previous = tf.getBackend();
    try {
      await initBackend('webgpu', { webgpuMemoryLimit: '64MiB' });
      const pool = installedBufferPool()!;
      expect([pool.memoryLimit, currentBackend()!.webgpu!.memoryLimit]).to.deep.equal([2 ** 26, 2 ** 26]);
      const held = tf.fill([4 * 2 ** 20], 1); // 16 MiB in use
      await held.data();
      let message = '';
      try {
        await guardDeviceMemory(async () => {
          const big = tf.tidy(() => tf.sum(tf.add(tf.ones([14 * 2 ** 20]), 1))); // two 56 MiB buffers beside 16 MiB
          await big.data().finally(() => big.dispose());
        }, 8, 1);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.match(/^out of GPU memory at batch size 8 \(accumulation 1\): a GPU buffer of 56\.0 MiB does not fit in the GPU memory budget of 64\.0 MiB .*; use --batch-size 4 --accumulation 2 \(the same samples per update\) or a smaller preset\.$/);
      expect(pool.numBytesAllocated).to.be.at.most(2 ** 26);
      const fine = tf.tidy(() => tf.sum(tf.add(tf.ones([2 ** 20]), 1))); // the backend goes on
      expect((await fine.data())[0]).to.equal(2 ** 21);
      tf.dispose([held, fine]);
    } finally {
      await initBackend('webgpu'); // the budget of the environment again
      await tf.setBackend(previous);
    }
    expect(installedBufferPool()).to.equal(undefined);
  });
});
