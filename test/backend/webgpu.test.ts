/**
 * The `webgpu` backend (platform facts, "GPU through WebGPU") against the reference
 * backends, on whatever adapter Dawn finds (on a CPU-only machine Mesa's lavapipe
 * through Vulkan where Mesa ≥ 24 is installed, else llvmpipe through OpenGL ES; both
 * slow but exact enough; `webgpu-dawn-backends.test.ts` runs the parity tests on the other):
 * - forward and gradient parity with `cpu`: the loss and the gradient of every
 *   parameter of each of the six recipes (shrunk to micro size) on one batch, which
 *   runs every kernel the recipes' updates use (listed once, from a `cpu` profile);
 * - two updates of each recipe give the losses wasm gives, within 1e-4 relative.
 *   Both run with the backend's defaults: the fused WGSL row kernels and tfjs's packed
 *   matrix-product program (`D2V_FUSED_KERNELS=0`, `D2V_WEBGPU_MATMUL=auto` test the others);
 * - `webgpuMatMul` selects tfjs's program, checked by the shader a product runs;
 * - the command line: a run reports its adapter in the --json summary and config.json
 *   and exits; no adapter is one error line and exit code 1 with nothing written; an
 *   update beyond the adapter's buffer limits names the batch size and what to change.
 * Without an adapter the tests say `skipped: no WebGPU adapter`; under CI=true a
 * missing adapter is a failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { guardDeviceMemory, releaseFreeGpuBuffers, requestedWebGpuMatMul } from '../../src/backend/webgpu';
import { initBackend } from '../../src/backend/select';
import { hashUniform } from '../../src/backend/device-random';
import { hashUniformArray } from '../../src/util/pcg-stream';
import { takeRows } from '../../src/nn/take-rows';
import { matMul } from '../../src/nn/matmul';
import { MAX_WEBGPU_MATMUL_ROWS } from '../../src/nn/matmul-row-blocks';
import { WEBGPU_SUBMIT_BATCH } from '../../src/backend/webgpu-queue';
import { webGpuBufferFit } from '../../src/backend/webgpu-buffer-pool';
import { requestedWebGpuMemoryLimit, webGpuMemoryLimit } from '../../src/backend/webgpu-memory-limit';
import { Trainer } from '../../src/train/trainer';
import { Rng } from '../../src/util/rng';
import { RecipeData } from '../../src/modalities/recipe';
import { withBackend } from '../helpers/backends';
import { webgpuAvailable } from '../helpers/webgpu-available';
import { MICRO_RECIPES, MICRO_SETS, microRecipe } from '../helpers/micro-recipes';

type RecipeName = (typeof MICRO_RECIPES)[number];

/** Loss and per-parameter gradients of the first micro-batch of update 0. */
interface Gradients {
  loss: number;
  grads: Map<string, Float32Array>;
  kernels: Set<string>;
}

const dataCache = new Map<RecipeName, RecipeData>();

function recipeData(name: RecipeName): RecipeData {
  const { recipe, config } = microRecipe(name);
  let data = dataCache.get(name);
  if (!data) {
    data = recipe.loadData(config);
    dataCache.set(name, data);
  }
  return data;
}

/** The loss and its gradients on the current backend (profiled for kernel names when `profile`). */
async function gradients(name: RecipeName, profile: boolean): Promise<Gradients> {
  const { recipe, config } = microRecipe(name);
  const setup = recipe.build(config, recipeData(name));
  const params = setup.objective.module.namedTrainableParameters();
  const batch = setup.batches(0, 0);
  setup.objective.module.reseed(new Rng(`${config.seed}:stochastic:0:0`));
  const prepared = setup.objective.prepare(batch);
  const run = () => tf.variableGrads(() => setup.objective.loss(batch, prepared).loss, params.map(([, v]) => v));
  let kernels = new Set<string>();
  let result: ReturnType<typeof run>;
  if (profile) {
    let kept: ReturnType<typeof run> | undefined;
    const info = await tf.profile(() => {
      kept = run();
      return [kept.value, ...Object.values(kept.grads)];
    });
    kernels = new Set(info.kernelNames);
    result = kept!;
  } else {
    result = run();
  }
  const byVar = new Map(params.map(([n, v]) => [v.name, n]));
  const names = Object.keys(result.grads);
  const values = await Promise.all([result.value, ...names.map((n) => result.grads[n])].map((t) => t.data() as Promise<Float32Array>));
  const grads = new Map(names.map((n, i) => [byVar.get(n)!, values[i + 1]]));
  tf.dispose([result.value, ...Object.values(result.grads), ...Object.values(prepared), batch as unknown as tf.TensorContainer]);
  setup.objective.dispose();
  return { loss: values[0][0], grads, kernels };
}

/** Losses of `updates` trainer updates on the current backend. */
async function losses(name: RecipeName, updates: number): Promise<number[]> {
  const { recipe, config } = microRecipe(name, updates);
  const setup = recipe.build(config, recipeData(name));
  const trainer = new Trainer(setup.objective, setup.batches, config.trainer);
  try {
    const out: number[] = [];
    for (let i = 0; i < updates; i++) out.push((await trainer.step()).loss);
    return out;
  } finally {
    trainer.dispose();
    setup.objective.dispose();
  }
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('webgpu backend (Dawn)', function () {
  this.timeout(180_000);
  let available = false;
  const kernels = new Set<string>();

  before(async () => {
    available = await webgpuAvailable();
  });

  for (const name of MICRO_RECIPES) {
    it(`${name}: loss and every parameter gradient match cpu; two updates match wasm within 1e-4`, async function () {
      if (!available) this.skip();
      const reference = await withBackend('cpu', () => gradients(name, true));
      reference.kernels.forEach((k) => kernels.add(k));
      const gpu = await withBackend('webgpu', () => gradients(name, false));
      expect(relDiff(gpu.loss, reference.loss), `loss ${gpu.loss} vs ${reference.loss}`).to.be.below(1e-4);
      expect([...gpu.grads.keys()].sort()).to.deep.equal([...reference.grads.keys()].sort());
      let worst = 0;
      for (const [param, g] of reference.grads) {
        const w = gpu.grads.get(param)!;
        const diff = norm(w.map((v, i) => v - g[i]));
        const rel = diff / Math.max(norm(g), 1e-6);
        worst = Math.max(worst, rel);
        expect(rel, `gradient of ${param}: ‖Δ‖/‖g‖ = ${rel}`).to.be.below(1e-3);
      }
      const wasm = await withBackend('wasm', () => losses(name, 2));
      const webgpu = await withBackend('webgpu', () => losses(name, 2));
      webgpu.forEach((l, i) => expect(relDiff(l, wasm[i]), `update ${i + 1}: ${l} vs ${wasm[i]}`).to.be.below(1e-4));
      // eslint-disable-next-line no-console
      console.log(`      ${name}: worst gradient ‖Δ‖/‖g‖ ${worst.toExponential(1)}, losses ${webgpu.map((l) => l.toPrecision(7))} (wasm ${wasm.map((l) => l.toPrecision(7))})`);
    });
  }

  const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
  const cli = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const MICRO = ['--steps', '1', '--batch-size', '2', ...Object.entries(MICRO_SETS['image-v1']).flatMap(([k, v]) => ['--set', `${k}=${v}`])];

  it('pretrain --backend webgpu --json: the adapter in the summary and config.json, and the process exits', async function () {
    if (!available) this.skip();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-webgpu-'));
    const r = cli(['pretrain', '--backend', 'webgpu', ...MICRO, '--no-progress', '--json', '--out', out]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/^backend: webgpu \(requested, adapter .+ \(Dawn \w+/m);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.backend).to.equal('webgpu');
    expect(summary.adapter.name).to.be.a('string').and.not.equal('');
    expect(summary.adapter.dawnBackend).to.be.oneOf(['vulkan', 'opengles', 'metal', 'd3d12']);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    const settings = {
      matmul: process.env.D2V_WEBGPU_MATMUL ?? 'packed',
      fusedKernels: process.env.D2V_FUSED_KERNELS !== '0',
      bufferFit: webGpuBufferFit(),
      memoryLimit: webGpuMemoryLimit(requestedWebGpuMemoryLimit(), summary.adapter.deviceLocalMemory),
    };
    expect(summary.webgpu).to.deep.equal(settings);
    expect(config.runtime).to.deep.equal({ backend: 'webgpu', adapter: summary.adapter, webgpu: settings });
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('no adapter: one error line naming what to install, exit code 1, no run folder', () => {
    const out = path.join(os.tmpdir(), `d2v-webgpu-none-${process.pid}`);
    const r = cli(['pretrain', '--backend', 'webgpu', ...MICRO, '--out', out], { D2V_DAWN_FLAGS: 'backend=opengles,adapter=no-such-adapter' });
    expect(r.status).to.equal(1);
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(ours).to.have.length(1);
    expect(ours[0]).to.match(/^error: backend "webgpu" (found no WebGPU adapter .*libvulkan1.*or pick --backend wasm\.|needs the npm package)/);
    expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
    expect(fs.existsSync(out)).to.equal(false);
  });

  it('an update beyond the adapter\'s buffer limits fails with the batch size and the advice', async function () {
    if (!available) this.skip();
    await withBackend('webgpu', async () => {
      const limit = (tf.backend() as unknown as { device: { limits: { maxStorageBufferBindingSize: number } } }).device.limits.maxStorageBufferBindingSize;
      if (limit > 2 ** 28) this.skip(); // a real GPU: the probe tensor would be gigabytes
      const floats = limit / 4 + 1024;
      let message = '';
      try {
        await guardDeviceMemory(async () => {
          const s = tf.tidy(() => tf.sum(tf.add(tf.ones([floats]), 1)));
          await s.data().finally(() => s.dispose());
        }, 64, 2);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.match(/^out of GPU memory at batch size 64 \(accumulation 2\): .*; use --batch-size 32 --accumulation 4 \(the same samples per update\) or a smaller preset\.$/);
    });
  });

  it('hashUniform on webgpu has the bits of the JavaScript stream, past 65,535 workgroups too', async function () {
    if (!available) this.skip();
    const size = 64 * 65_536 + 123; // the flat dispatch is folded into y
    const gpu = await withBackend('webgpu', async () => {
      const t = hashUniform([size], 99, 1);
      const v = (await t.data()) as Float32Array;
      t.dispose();
      return v;
    });
    const js = hashUniformArray(size, 99, 1);
    let mismatches = 0;
    for (let i = 0; i < size; i++) if (gpu[i] !== js[i]) mismatches++;
    expect(mismatches).to.equal(0);
  });

  it('webgpuMatMul / D2V_WEBGPU_MATMUL: packed runs tfjs\'s packed program where tfjs would choose another, auto lets it choose', async function () {
    if (!available) this.skip();
    /** Shader keys of the matrix-product programs one [1, 4096]·[4096, 16] product runs. */
    const programsOf = async (choice?: string) => {
      const info = await initBackend('webgpu', { webgpuMatMul: choice });
      const backend = tf.backend() as unknown as { runWebGPUProgram: (p: { shaderKey: string }, ...rest: unknown[]) => unknown };
      const original = backend.runWebGPUProgram;
      const keys: string[] = [];
      backend.runWebGPUProgram = function (this: unknown, program, ...rest) {
        const out = original.call(this, program, ...rest);
        if (/^matMul/.test(program.shaderKey)) keys.push(program.shaderKey.split('_')[0]);
        return out;
      };
      try {
        const c = tf.matMul(tf.ones([1, 4096]), tf.ones([4096, 16]));
        expect(Array.from((await c.data()).slice(0, 2))).to.deep.equal([4096, 4096]);
        tf.dispose(c);
      } finally {
        backend.runWebGPUProgram = original;
      }
      return { matmul: info.webgpu?.matmul, flag: tf.env().get('WEBGPU_MATMUL_PROGRAM_TYPE'), keys };
    };
    const previous = tf.getBackend();
    try {
      expect(await programsOf('auto')).to.deep.include({ matmul: 'auto', flag: -1 });
      expect((await programsOf('auto')).keys).to.not.include('matMulPacked');
      expect(await programsOf('packed')).to.deep.equal({ matmul: 'packed', flag: 3, keys: ['matMulPacked'] });
      if (process.env.D2V_WEBGPU_MATMUL === undefined) expect((await programsOf()).matmul).to.equal('packed');
    } finally {
      await initBackend(previous);
    }
  });

  it('a bad D2V_WEBGPU_MATMUL is one sentence naming it and the choices', () => {
    expect(() => requestedWebGpuMatMul(undefined, { D2V_WEBGPU_MATMUL: 'tiled' })).to.throw(/^D2V_WEBGPU_MATMUL is "tiled", which is not a WebGPU matrix-product program; use packed or auto\.$/);
    expect(requestedWebGpuMatMul(' Auto ', { D2V_WEBGPU_MATMUL: 'packed' })).to.equal('auto');
    expect(requestedWebGpuMatMul(undefined, { D2V_WEBGPU_MATMUL: 'auto' })).to.equal('auto');
    expect(requestedWebGpuMatMul(undefined, {})).to.equal('packed');
  });

  it('takeRows on webgpu: rows and the gradient of repeated rows equal cpu (a row used more often than a kernel has inputs)', async function () {
    if (!available) this.skip();
    // row 2 is used 10 times: its gradient sums 10 gathers, more than one AddN may bind.
    const index = Int32Array.from([2, -1, 0, 2, 2, 4, 1, 0, 2, 2, 2, 2, 2, 2, 2]);
    const run = async () => {
      const x = tf.tensor2d(Array.from({ length: 5 * 3 }, (_, i) => Math.sin(i + 1)), [5, 3]);
      const w = tf.tensor2d(Array.from({ length: index.length * 3 }, (_, i) => Math.cos(i)), [index.length, 3]);
      const rows = takeRows(x, index);
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(takeRows(v, index), w)))(x);
      const out = [Array.from(await rows.data()), Array.from(await grad.data())];
      tf.dispose([x, w, rows, grad]);
      return out;
    };
    const [cpuRows, cpuGrad] = await withBackend('cpu', run);
    const [gpuRows, gpuGrad] = await withBackend('webgpu', run);
    gpuRows.forEach((v, i) => expect(v).to.be.closeTo(cpuRows[i], 1e-6));
    gpuGrad.forEach((v, i) => expect(v).to.be.closeTo(cpuGrad[i], 1e-5));
  });

  it('matMul on webgpu past 65,535 dispatch rows of 32 (the speech CNN\'s first layer past 655 s of audio per micro-batch): product and gradients exact', async function () {
    if (!available) this.skip();
    const rows = MAX_WEBGPU_MATMUL_ROWS + 64; // one tfjs dispatch would need 65,537 workgroups in y
    const [k, n] = [4, 4];
    // small multiples of 1/8 and 1/4: every sum below is exact in float32
    const aAt = (i: number, j: number) => (((i * 7 + j * 3) % 11) - 5) / 8;
    const bAt = (j: number, c: number) => (((j * 5 + c) % 7) - 3) / 4;
    const wAt = (i: number, c: number) => ((i + c) % 5) - 2;
    const fill = (r: number, c: number, f: (i: number, j: number) => number) => {
      const v = new Float32Array(r * c);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) v[i * c + j] = f(i, j);
      return v;
    };
    const [y, da, db] = await withBackend('webgpu', async () => {
      const a = tf.tensor2d(fill(rows, k, aAt), [rows, k]);
      const b = tf.tensor2d(fill(k, n, bAt), [k, n]);
      const w = tf.tensor2d(fill(rows, n, wAt), [rows, n]);
      const product = matMul(a, b);
      const grads = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(matMul(x, z), w)))([a, b]);
      const out = await Promise.all([product, ...grads].map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([a, b, w, product, ...grads]);
      return out;
    });
    let wrong = 0;
    const expectedDb = new Float64Array(k * n);
    for (let i = 0; i < rows; i++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += aAt(i, j) * bAt(j, c);
        if (y[i * n + c] !== s) wrong++;
        for (let j = 0; j < k; j++) expectedDb[j * n + c] += aAt(i, j) * wAt(i, c);
      }
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let c = 0; c < n; c++) s += wAt(i, c) * bAt(j, c);
        if (da[i * k + j] !== s) wrong++;
      }
    }
    expect(wrong, 'entries of the product and of dA that differ').to.equal(0);
    expectedDb.forEach((v, i) => expect(Math.abs(db[i] - v), `dB entry ${i}`).to.be.at.most(1e-5 * Math.max(1, Math.abs(v))));
  });

  it('releaseFreeGpuBuffers gives the pooled buffers back and leaves live tensors intact', async function () {
    if (!available) this.skip();
    await withBackend('webgpu', async () => {
      const live = tf.tensor1d([1, 2, 3]);
      const big = tf.add(tf.zeros([1 << 20]), 1);
      await big.data();
      big.dispose(); // its buffer goes to tfjs's pool, still allocated
      const before = (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU ?? 0;
      const freed = releaseFreeGpuBuffers();
      const after = (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU ?? 0;
      expect(freed).to.be.at.least(4 << 20);
      expect(before - after).to.equal(freed);
      expect(Array.from(await tf.mul(live, 2).data())).to.deep.equal([2, 4, 6]);
      live.dispose();
    });
  });

  it('a createBuffer that throws for lack of memory is reported as out of GPU memory', async function () {
    if (!available) this.skip();
    await withBackend('webgpu', async () => {
      let message = '';
      try {
        await guardDeviceMemory(async () => {
          throw new RangeError('createBuffer failed to allocate a buffer mapped at creation.');
        }, 8, 1);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.equal('out of GPU memory at batch size 8 (accumulation 1): createBuffer failed to allocate a buffer mapped at creation.; use --batch-size 4 --accumulation 2 (the same samples per update) or a smaller preset.');
    });
  });

  it('uploads go through the queue into pooled buffers: host values read back exactly, and 200 scalar ops create no buffer per upload', async function () {
    if (!available) this.skip();
    await withBackend('webgpu', async () => {
      // tensors above tfjs's CPU hand-off size (1,000 elements), so the kernels run on the GPU
      const n = 1500; // int32 values below 2^24: tfjs-webgpu gathers int32 through f32
      const fv = Array.from({ length: n }, (_, k) => [1.5, -2.25, 3e-8, 7][k % 4] * (k + 1));
      const iv = Array.from({ length: n }, (_, k) => (k % 2 ? -1 : 1) * ((k * 2654435761) % 16777213));
      const bv = Array.from({ length: n }, (_, k) => k % 3 === 0);
      const f = tf.tensor1d(fv);
      const i = tf.tensor1d(iv, 'int32');
      const b = tf.tensor1d(bv, 'bool');
      const at = tf.tensor1d(Array.from({ length: n }, (_, k) => n - 1 - k), 'int32');
      expect(Array.from(await tf.mul(f, 2).data())).to.deep.equal(fv.map((v) => Math.fround(Math.fround(v) * 2)));
      expect(Array.from(await tf.gather(i, at).data())).to.deep.equal([...iv].reverse());
      expect(Array.from(await tf.logicalNot(b).data())).to.deep.equal(bv.map((v) => (v ? 0 : 1)));
      const device = (tf.backend() as unknown as { device: { createBuffer: (d: unknown) => unknown } }).device;
      const create = device.createBuffer.bind(device);
      let created = 0;
      device.createBuffer = (d: unknown) => {
        created++;
        return create(d);
      };
      const run = async () => {
        let x: tf.Tensor = tf.range(0, 2048);
        for (let k = 1; k <= 200; k++) {
          const s = tf.scalar(k % 7);
          const next = tf.add(x, s);
          tf.dispose([x, s]);
          x = next;
        }
        const v = Array.from(await x.data());
        x.dispose();
        return v;
      };
      expect(tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE')).to.equal(WEBGPU_SUBMIT_BATCH);
      await run(); // fills the pool
      created = 0;
      const v = await run();
      device.createBuffer = create;
      const added = Array.from({ length: 200 }, (_, k) => (k + 1) % 7).reduce((a, c) => a + c, 0);
      expect(v).to.deep.equal(Array.from({ length: 2048 }, (_, k) => k + added));
      expect(created).to.be.below(10);
      tf.dispose([f, i, b, at]);
    });
  });

  after(() => {
    // eslint-disable-next-line no-console
    if (kernels.size) console.log(`      kernels covered (${kernels.size}): ${[...kernels].sort().join(' ')}`);
  });
});
