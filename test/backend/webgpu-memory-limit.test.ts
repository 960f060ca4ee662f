/**
 * The device-memory budget of the `webgpu` buffer pool (`src/backend/webgpu-memory-limit.ts`):
 * sizes with their units, `none`, one sentence for a bad value naming where it came
 * from, the option before the variable, and the default from the adapter's heaps.
 */
import { expect } from 'chai';
import { DEVICE_MEMORY_FRACTION, deviceLocalMemory, parseMemoryLimit, requestedWebGpuMemoryLimit, webGpuMemoryLimit } from '../../src/backend/webgpu-memory-limit';
import { describeBackend } from '../../src/backend/select';

describe('GPU memory budget (D2V_WEBGPU_MEMORY_LIMIT, webgpuMemoryLimit)', () => {
  it('reads decimal and binary units, fractions of a unit and none', () => {
    const cases: [string, number | null][] = [
      ['80GB', 80e9],
      ['80GiB', 80 * 2 ** 30],
      [' 2.3 gb ', 2.3e9],
      ['512MiB', 2 ** 29],
      ['1.5TB', 1.5e12],
      ['4096B', 4096],
      ['64kib', 65_536],
      ['none', null],
      ['NONE', null],
    ];
    for (const [raw, bytes] of cases) expect(parseMemoryLimit(raw, 'X'), raw).to.equal(bytes);
  });

  it('a bad value is one sentence naming the variable or the option and what to write', () => {
    for (const bad of ['80', '80 G', 'lots', '-2GB', '0GB', '']) {
      expect(() => requestedWebGpuMemoryLimit(undefined, { D2V_WEBGPU_MEMORY_LIMIT: bad === '' ? 'GB' : bad }), bad).to.throw(
        `D2V_WEBGPU_MEMORY_LIMIT is "${bad === '' ? 'GB' : bad.trim()}", which is not a GPU memory size; write it with a unit (80GB = 80·10⁹ bytes, 80GiB = 80·2³⁰ bytes; also MB, MiB, TB, TiB), or none for no budget.`,
      );
    }
    expect(() => requestedWebGpuMemoryLimit('80', {})).to.throw(/^the webgpuMemoryLimit option is "80", which is not a GPU memory size; /);
    expect(() => requestedWebGpuMemoryLimit(-1, {})).to.throw('the webgpuMemoryLimit option is -1, which is not a GPU memory size; give a positive number of bytes, a size such as "80GB", or "none".');
  });

  it('the option comes before the variable; nothing asked leaves the default', () => {
    const env = { D2V_WEBGPU_MEMORY_LIMIT: '3GB' };
    expect(requestedWebGpuMemoryLimit(undefined, env)).to.equal(3e9);
    expect(requestedWebGpuMemoryLimit('1GiB', env)).to.equal(2 ** 30);
    expect(requestedWebGpuMemoryLimit(123_456.7, env)).to.equal(123_456);
    expect(requestedWebGpuMemoryLimit('none', env)).to.equal(null);
    expect(requestedWebGpuMemoryLimit(undefined, {})).to.equal(undefined);
    expect(requestedWebGpuMemoryLimit(undefined, { D2V_WEBGPU_MEMORY_LIMIT: ' ' })).to.equal(undefined);
  });

  it('default: a fraction of the largest device-local heap where the adapter lists heaps, else none', () => {
    const info = {
      memoryHeaps: [
        { size: 64e9, properties: 0x2 | 0x4 }, // host-visible system memory
        { size: 256 * 2 ** 20, properties: 0x1 | 0x2 }, // the small device-local, host-visible window
        { size: BigInt(141e9), properties: 0x1 }, // the GPU's memory
      ],
    };
    expect(deviceLocalMemory(info)).to.equal(141e9);
    expect(deviceLocalMemory({ memoryHeaps: [{ size: 8e9, properties: 0x2 }] })).to.equal(undefined);
    expect(deviceLocalMemory({})).to.equal(undefined);
    expect(webGpuMemoryLimit(undefined, 141e9)).to.equal(Math.floor(DEVICE_MEMORY_FRACTION * 141e9));
    expect(webGpuMemoryLimit(undefined, undefined)).to.equal(null);
    expect(webGpuMemoryLimit(null, 141e9)).to.equal(null); // none asked for
    expect(webGpuMemoryLimit(80e9, 141e9)).to.equal(80e9);
  });

  it('the start line names the budget only where there is one', () => {
    const adapter = { name: 'H200', dawnBackend: 'vulkan', description: '', software: false, featureLevel: 'core' as const };
    const webgpu = { matmul: 'packed' as const, fusedKernels: true, bufferFit: 2 };
    expect(describeBackend({ name: 'webgpu', reason: 'requested', adapter, webgpu: { ...webgpu, memoryLimit: 126.9e9 } })).to.equal(
      'backend: webgpu (requested, adapter H200 (Dawn vulkan), packed matmul, fused row kernels, best-fit (≤ 2×) buffer reuse, GPU memory budget 126.90 GB)',
    );
    expect(describeBackend({ name: 'webgpu', reason: 'requested', adapter, webgpu: { ...webgpu, memoryLimit: null } })).to.equal(
      'backend: webgpu (requested, adapter H200 (Dawn vulkan), packed matmul, fused row kernels, best-fit (≤ 2×) buffer reuse)',
    );
  });
});
