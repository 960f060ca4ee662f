/**
 * The `webgpu` backend on both of Dawn's backends that a Linux machine offers
 * (issue "Train on a real GPU", correctness on the software adapter):
 * - Vulkan at core feature level, the path of an NVIDIA host (same Dawn backend,
 *   same WGSL → SPIR-V compiler): the adapter search picks it where a Vulkan driver
 *   exists (Mesa ≥ 24's lavapipe on a CPU-only machine), and a profiled update there
 *   times every kernel, the fused WGSL ones included, by GPU timestamps, which the
 *   OpenGL ES path cannot (no `timestamp-query` at compatibility level);
 * - OpenGL ES at compatibility feature level, the fallback of a machine without a
 *   Vulkan driver: the six recipes' parity tests of `webgpu.test.ts` run again in a
 *   child process that may only use it (`D2V_DAWN_FLAGS=backend=opengles`).
 * Each test says `skipped: …` where its Dawn backend is missing; under CI=true
 * (where `.ci/run` installs both) a missing one is a failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { webGpuAdapter } from '../../src/backend/webgpu';
import { profileUpdates } from '../../src/run/kernel-profile';
import { Trainer } from '../../src/train/trainer';
import { withBackend } from '../helpers/backends';
import { webgpuAvailable } from '../helpers/webgpu-available';
import { microRecipe } from '../helpers/micro-recipes';

const ROOT = path.join(__dirname, '..', '..', '..');
const PARITY_RUNNER = path.join(ROOT, 'scripts', 'gpu-parity.js');
const PARITY_TESTS = path.join(__dirname, 'webgpu.test.js');
const EXACT_TIMESTAMPS = 'disable-dawn-features=timestamp_quantization';

/** Skip with the reason, or fail under CI=true. */
function missing(ctx: Mocha.Context, reason: string): never {
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
  // eslint-disable-next-line no-console
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

/** The adapter Dawn gives when only `flags` may be used, from a child process (null when none). */
function adapterWith(flags: string): { name: string; dawnBackend: string; featureLevel: string } | null {
  const probe = `require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'backend', 'webgpu.js'))}).startWebGpu()` +
    '.then((a) => { console.log(JSON.stringify(a)); process.exit(0); }, () => process.exit(3));';
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { ...process.env, D2V_DAWN_FLAGS: flags } });
  return r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()!) : null;
}

describe('webgpu on Dawn\'s Vulkan and OpenGL ES backends', function () {
  this.timeout(240_000);

  it('where a Vulkan driver exists, the adapter search takes Dawn\'s Vulkan backend at core feature level', async function () {
    if (!adapterWith(`backend=vulkan,${EXACT_TIMESTAMPS}`)) missing(this, 'no Vulkan adapter (a GPU driver, or Mesa ≥ 24\'s lavapipe: mesa-vulkan-drivers)');
    if (!(await webgpuAvailable())) this.skip();
    expect(webGpuAdapter()).to.deep.include({ dawnBackend: 'vulkan', featureLevel: 'core' });
  });

  it('on Vulkan a profiled update is timed by GPU timestamps, the fused WGSL kernels and the matrix products included', async function () {
    if (!(await webgpuAvailable())) this.skip();
    if (webGpuAdapter()?.dawnBackend !== 'vulkan') missing(this, 'the webgpu backend is not on Dawn\'s Vulkan backend here');
    const profile = await withBackend('webgpu', async () => {
      const { recipe, config } = microRecipe('image-v1', 4);
      const setup = recipe.build(config, recipe.loadData(config));
      const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
      try {
        await trainer.step();
        return await profileUpdates(() => trainer.step(), 1, 100);
      } finally {
        trainer.dispose();
        setup.objective.dispose();
      }
    });
    expect(profile.time_source).to.equal('gpu-timestamps');
    const byName = new Map(profile.kernels.map((k) => [k.kernel, k]));
    for (const name of ['BatchMatMul', 'D2vLayerNorm', 'D2vLayerNormGrad', 'D2vGelu', 'D2vAdamW', 'D2vEma']) {
      expect(byName.get(name)?.total_ms, `${name} GPU time`).to.be.above(0);
    }
    expect(byName.get('BatchMatMul')!.gflop_per_sec).to.be.above(0);
    // GPU time of the kernels is a part of the update's wall time
    expect(profile.kernel_ms_per_update).to.be.above(0).and.below(profile.update_ms);
  });

  it('on OpenGL ES (compatibility), the six recipes\' parity tests pass in a process that may use nothing else', function () {
    const flags = `backend=opengles,${EXACT_TIMESTAMPS}`;
    const adapter = adapterWith(flags);
    if (!adapter) missing(this, 'no OpenGL ES adapter (Mesa\'s EGL/GLES: libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri)');
    expect(adapter).to.deep.include({ dawnBackend: 'opengles', featureLevel: 'compatibility' });
    const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-gles-')), 'parity.json');
    const r = spawnSync(process.execPath, [PARITY_RUNNER, PARITY_TESTS, report, 'loss and every parameter gradient match cpu'], {
      encoding: 'utf8',
      env: { ...process.env, D2V_DAWN_FLAGS: flags, CI: 'true' },
    });
    const stats = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')).stats : undefined;
    fs.rmSync(path.dirname(report), { recursive: true, force: true });
    expect(stats, r.stderr).to.not.equal(undefined);
    expect({ passes: stats.passes, failures: stats.failures, pending: stats.pending }, r.stderr.slice(-2000)).to.deep.equal({ passes: 6, failures: 0, pending: 0 });
    expect(r.status).to.equal(0);
  });
});
