#!/usr/bin/env node
// @ts-check
/**
 * GPU host check (run by scripts/gpu-check.sh; needs `npm run build` first, no network):
 *  1. start the webgpu backend and list the adapter;
 *  2. the fp32 matrix-product rate of tfjs's WebGPU kernels on three shapes (square 4096,
 *     ViT-B's MLP and attention products at batch 256), for each matmul program type:
 *     the ceiling a training update can approach on this GPU;
 *  3. samples/s of the six tiny recipes (image, audio, text × v1, v2) on the bundled data;
 *  4. time data2vec 1.0 and 2.0 `base` image updates at 224×224, patch 16, 3 channels
 *     (the paper's ViT-B/16 on synthetic images), each at the largest batch of
 *     BATCHES that fits: the first update is the warm-up and the FLOP count, the
 *     next ones are timed; then profile --profile more updates at that batch per
 *     kernel (src/run/kernel-profile.ts: GPU timestamps where the adapter has
 *     timestamp-query): where the time goes;
 *  4b. with --modalities audio,text: the same for `base` speech (clips of --audio-seconds
 *     seconds of noise, default 15.6) and `base` text (the bundled glosses in rows of the
 *     preset's 512 tokens), data2vec 1.0 and 2.0, each at the largest batch that fits;
 *  5. run the WebGPU parity tests (dist/test/backend/webgpu.test.js, CI=true) on the
 *     adapter, stopped after --parity-timeout seconds (default 180).
 * The JSON file is rewritten after each step (`steps_done` lists them), so a run cut
 * short keeps what finished: adapter, matmul rates, tiny samples/s, per algorithm the
 * batch, samples/s, model TFLOP/s (src/run/flops.ts), GPU memory held by tfjs, losses
 * and the kernel profile, and the parity results.
 *
 *   node scripts/gpu-check.js [--quick] [--out FILE] [--updates N] [--seconds S] [--profile N] [--parity-timeout S]
 *                             [--matmul-programs -1,3]  (time the base updates under each tfjs matmul program type;
 *                                                        default: the backend's, D2V_WEBGPU_MATMUL, packed = 3)
 *                             [--submit-batches 15,200]  (kernels recorded per queue submit: tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE)
 *                             [--skip matmul,tiny,parity] [--batches-v1 64,32] [--batches-v2 16,8]
 *                             [--modalities image,audio,text] [--audio-seconds S] [--batches-audio 8,4] [--batches-text 32,16]
 *
 * --quick: the same steps at small sizes (one 256² product, 2 timed tiny updates, the
 * tiny image preset at batches 4, 2, one parity test), minutes on a software adapter.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

// The offline bundle (scripts/bundle-gpu-check.js) puts the compiled parity tests and their
// runner beside this script; in the repository they are under dist/ and scripts/.
const bundled = fs.existsSync(path.join(__dirname, 'webgpu.test.js'));
const root = path.join(__dirname, '..');
const PARITY_TESTS = bundled ? path.join(__dirname, 'webgpu.test.js') : path.join(root, 'dist', 'test', 'backend', 'webgpu.test.js');
const PARITY_RUNNER = path.join(__dirname, 'gpu-parity.js');
// The bundle runs no command-line tests (they start the full CLI, which it does not carry).
const RECIPE_PARITY = 'loss and every parameter gradient match cpu|buffer limits';

function parseArgs(argv) {
  const o = { quick: false, out: path.join(root, 'runs', 'gpu-check.json'), updates: 5, seconds: 60, profile: 2, parityTimeout: 180, matmulPrograms: undefined, submitBatches: [], skip: [], batches: {}, modalities: ['image'], audioSeconds: 15.6 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--updates') o.updates = Number(argv[++i]);
    else if (a === '--seconds') o.seconds = Number(argv[++i]);
    else if (a === '--profile') o.profile = Number(argv[++i]);
    else if (a === '--parity-timeout') o.parityTimeout = Number(argv[++i]);
    else if (a === '--matmul-programs') o.matmulPrograms = argv[++i].split(',').map(Number);
    else if (a === '--submit-batches') o.submitBatches = argv[++i].split(',').map(Number);
    else if (a === '--skip') o.skip = argv[++i].split(',');
    else if (a === '--batches-v1' || a === '--batches-v2') o.batches[a.slice(-2)] = argv[++i].split(',').map(Number);
    else if (a === '--batches-audio' || a === '--batches-text') o.batches[a.slice(10)] = argv[++i].split(',').map(Number);
    else if (a === '--modalities') o.modalities = argv[++i].split(',');
    else if (a === '--audio-seconds') o.audioSeconds = Number(argv[++i]);
    else throw new Error(`unknown option ${a}; use --quick, --out FILE, --updates N, --seconds S, --profile N, --parity-timeout S, --matmul-programs LIST, --submit-batches LIST, --skip matmul,tiny,parity, --batches-v1 LIST, --batches-v2 LIST, --modalities image,audio,text, --audio-seconds S, --batches-audio LIST, --batches-text LIST.`);
  }
  const unknown = o.modalities.filter((m) => !['image', 'audio', 'text'].includes(m));
  if (unknown.length > 0) throw new Error(`--modalities lists ${unknown.join(', ')}; use image, audio and/or text.`);
  if (!(o.audioSeconds > 0)) throw new Error(`--audio-seconds must be a positive number of seconds, got ${o.audioSeconds}.`);
  if (!(Number.isInteger(o.updates) && o.updates >= 1)) throw new Error(`--updates must be a positive integer, got ${o.updates}.`);
  if (!(Number.isInteger(o.profile) && o.profile >= 0)) throw new Error(`--profile must be a number of updates (0 for none), got ${o.profile}.`);
  return o;
}

/** Random 8-bit images, as an ImageData the image recipes accept. */
function syntheticImages(n, size, channels) {
  const images = new Uint8Array(n * size * size * channels);
  let s = 12345;
  for (let i = 0; i < images.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    images[i] = s >>> 24;
  }
  const ds = { name: `synthetic ${size}x${size}x${channels}`, images, labels: new Int32Array(n), n, height: size, width: size, channels, classNames: ['x'] };
  return { describe: ds.name, trainSize: n, testSize: n, numClasses: 1, train: ds, test: ds };
}

/** `base` at 224/16 with 3 channels (or `tiny` as shipped, for --quick), batch `b`. */
function imageConfig(api, algo, b, quick) {
  const recipe = api.getRecipe('image', algo);
  if (quick) return { recipe, config: recipe.config('tiny', { batchSize: b, steps: 100 }), size: 28, channels: 1 };
  const set = {
    'model.imageSize': '[224,224]',
    'model.patchSize': '16',
    'model.channels': '3',
    normalize: JSON.stringify({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
  };
  if (algo === 'v1') set.masking = JSON.stringify(api.scaledBlockMaskParams(14, 14));
  return { recipe, config: recipe.config('base', { batchSize: b, steps: 100, set }), size: 224, channels: 3 };
}

/** The image recipe of {@link imageConfig} on synthetic images: recipe, config, data and what the result names its input. */
function imageSetup(api, algo, b, o) {
  const { recipe, config, size, channels } = imageConfig(api, algo, b, o.quick);
  return { recipe, config, data: syntheticImages(b, size, channels), input: { image: `${size}x${size}x${channels}`, patch: config.model.patchSize } };
}

async function timeAlgo(api, tf, algo, batches, o, setupFor = imageSetup) {
  const tried = [];
  for (const b of batches) {
    const { recipe, config, data, input } = await setupFor(api, algo, b, o);
    const setup = recipe.build(config, data);
    const trainer = new api.Trainer(setup.objective, setup.batches, config.trainer);
    try {
      const warm = await api.countFlops(() => trainer.step());
      const losses = [warm.result.loss];
      const ms = [];
      const dataMs = [];
      const timings = [];
      const started = Date.now();
      while (ms.length < o.updates && (Date.now() - started) / 1000 < o.seconds) {
        const t0 = performance.now();
        const row = await trainer.step();
        ms.push(performance.now() - t0);
        losses.push(row.loss);
        dataMs.push(row.data_wait_ms);
        timings.push(trainer.lastTiming);
      }
      const median = api.median(ms);
      const mem = tf.memory();
      const profile = o.profile > 0 ? await api.profileUpdates(() => trainer.step(), o.profile) : null;
      return {
        preset: config.preset, ...input,
        batch_size: b, views_per_sample: config.data2vec.clones ?? 1, tried_batches: [...tried, b],
        parameters: setup.objective.countParameters(),
        step_ms: median, data_ms: api.median(dataMs), record_ms: api.median(timings.map((t) => t.record)), read_ms: api.median(timings.map((t) => t.read)), after_ms: api.median(timings.map((t) => t.after)), samples_per_sec: b / (median / 1000),
        flops_per_update: warm.flops, tflop_per_sec: warm.flops / (median / 1000) / 1e12, flops_by_kernel: warm.byKernel,
        gpu_memory_bytes: mem.numBytesAllocatedInGPU ?? null, tensor_bytes: mem.numBytes,
        timed_updates: ms.length, losses,
        kernel_profile: profile,
      };
    } catch (e) {
      const msg = /** @type {Error} */ (e).message;
      if (!/^out of GPU memory/.test(msg)) throw e;
      process.stderr.write(`${algo}: batch ${b} does not fit (${msg.split('\n')[0]}); trying ${batches[batches.indexOf(b) + 1] ?? 'nothing smaller'}\n`);
      tried.push(b);
    } finally {
      trainer.dispose();
      setup.objective.dispose();
      api.releaseFreeGpuBuffers(); // the next configuration starts with the GPU's memory free
    }
  }
  return { error: `no batch of ${batches.join(', ')} fits`, tried_batches: tried };
}

/** `n` clips of `seconds` of 16 kHz noise, as the speech recipes' in-memory data. */
function syntheticClips(n, seconds) {
  let s = 12345;
  const clip = (i) => {
    const samples = new Float32Array(Math.round(seconds * 16000));
    for (let j = 0; j < samples.length; j++) {
      s = (s * 1103515245 + 12345) >>> 0;
      samples[j] = (s / 2 ** 32) * 2 - 1;
    }
    return { file: `noise-${i}.wav`, label: 0, samples };
  };
  const train = Array.from({ length: n }, (_, i) => clip(i));
  const dataset = { train, test: train.slice(0, 1), labels: ['noise'], skipped: [], source: `synthetic ${seconds} s clips`, splitBy: 'file' };
  return { dataset, trainSize: n, testSize: 1, numClasses: 1, describe: dataset.source };
}

/**
 * `base` speech on noise clips of --audio-seconds (the batch is cropped to them), or
 * `base` text on the bundled glosses in the preset's rows (512 tokens), one micro-batch per
 * update (the presets accumulate 16 and 8); `tiny` for --quick.
 */
async function sequenceSetup(modality, api, algo, b, o) {
  const recipe = api.getRecipe(modality, algo);
  const seconds = o.quick ? 1 : o.audioSeconds;
  const set = modality === 'audio' ? { 'audio.minSamples': '400', 'audio.maxSampleSize': String(Math.round(seconds * 16000)) } : {};
  // one micro-batch per update, as for images: samples/s counts what one update computes
  const config = recipe.config(o.quick ? 'tiny' : 'base', { batchSize: b, accumulation: 1, steps: 100, set });
  if (modality === 'audio') return { recipe, config, data: syntheticClips(b, seconds), input: { clip_seconds: seconds } };
  await recipe.prepareData?.(config, {});
  return { recipe, config, data: recipe.loadData(config), input: { tokens_per_row: config.sequences.maxLength } };
}

/** fp32 matrix-product rate of this backend on three shapes, for each tfjs matmul program type. */
async function matmulCeiling(tf, quick) {
  const shapes = quick
    ? [{ name: 'square 256', a: [256, 256], b: [256, 256] }]
    : [
      { name: 'square 4096', a: [4096, 4096], b: [4096, 4096] },
      { name: 'ViT-B MLP, batch 256 (50432x768 @ 768x3072)', a: [50432, 768], b: [768, 3072] },
      { name: 'ViT-B attention scores, batch 256 (3072 x 197x64 @ 64x197)', a: [3072, 197, 64], b: [3072, 64, 197] },
    ];
  // -1: tfjs chooses per shape (what training uses); 3: the packed tiled program; 1: split-K
  const programs = quick ? [-1] : [-1, 3, 1];
  const rows = [];
  const saved = tf.env().get('WEBGPU_MATMUL_PROGRAM_TYPE');
  for (const s of shapes) {
    const a = tf.randomNormal(s.a);
    const b = tf.randomNormal(s.b);
    const flops = 2 * s.a.slice(0, -1).reduce((x, y) => x * y, 1) * s.a[s.a.length - 1] * s.b[s.b.length - 1];
    for (const program of programs) {
      tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', program);
      const once = () => tf.matMul(a, b);
      let warm;
      try {
        warm = once();
      } catch (e) {
        rows.push({ shape: s.name, program_type: program, error: /** @type {Error} */ (e).message });
        continue;
      }
      await warm.slice(Array(s.a.length).fill(0), Array(s.a.length).fill(1)).data();
      warm.dispose();
      const reps = quick ? 2 : 10;
      const t0 = performance.now();
      let last = null;
      for (let i = 0; i < reps; i++) {
        if (last) last.dispose();
        last = once();
      }
      const probe = last.slice(Array(s.a.length).fill(0), Array(s.a.length).fill(1));
      await probe.data();
      const ms = (performance.now() - t0) / reps;
      probe.dispose();
      last.dispose();
      rows.push({ shape: s.name, program_type: program, ms, tflop_per_sec: flops / (ms / 1000) / 1e12 });
      process.stderr.write(`  matmul ${s.name}, program ${program}: ${(flops / (ms / 1000) / 1e12).toFixed(2)} TFLOP/s\n`);
    }
    a.dispose();
    b.dispose();
  }
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', saved);
  return rows;
}

/** samples/s of the six tiny recipes on the bundled data at their default batch. */
async function timeTinyRecipes(api, o) {
  const out = {};
  for (const modality of ['image', 'audio', 'text']) {
    for (const algo of ['v1', 'v2']) {
      const key = `${modality}-${algo}`;
      try {
        const recipe = api.getRecipe(modality, algo);
        const config = recipe.config('tiny', {});
        await recipe.prepareData?.(config, {});
        const setup = recipe.build(config, recipe.loadData(config));
        const trainer = new api.Trainer(setup.objective, setup.batches, config.trainer);
        try {
          const warm = await api.countFlops(() => trainer.step());
          await trainer.step();
          const ms = [];
          const losses = [];
          const t0 = Date.now();
          while (ms.length < (o.quick ? 2 : 10) && Date.now() - t0 < 20_000) {
            const s = performance.now();
            losses.push((await trainer.step()).loss);
            ms.push(performance.now() - s);
          }
          const median = api.median(ms);
          const b = config.trainer.batchSize;
          out[key] = { batch_size: b, step_ms: median, samples_per_sec: b / (median / 1000), flops_per_update: warm.flops, tflop_per_sec: warm.flops / (median / 1000) / 1e12, timed_updates: ms.length, losses };
          process.stderr.write(`  tiny ${key}: batch ${b}, ${median.toFixed(1)} ms/update, ${(b / (median / 1000)).toFixed(0)} samples/s\n`);
        } finally {
          trainer.dispose();
          setup.objective.dispose();
        }
      } catch (e) {
        out[key] = { error: /** @type {Error} */ (e).message };
        process.stderr.write(`  tiny ${key}: ${out[key].error}\n`);
      }
    }
  }
  return out;
}

async function main() {
  // stopped by run.sh's time limit: exit normally so that node --cpu-prof still writes its profile
  process.once('SIGTERM', () => process.exit(143));
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const api = {
    ...require('../dist/src/backend/select'),
    ...require('../dist/src/backend/webgpu'),
    ...require('../dist/src/modalities/registry'),
    ...require('../dist/src/masking/block-mask-2d'),
    ...require('../dist/src/train/trainer'),
    ...require('../dist/src/run/flops'),
    ...require('../dist/src/run/kernel-profile'),
    ...require('../dist/src/util/median'),
  };
  const tf = require('@tensorflow/tfjs');
  const info = await api.initBackend('webgpu');
  process.stderr.write(`${api.describeBackend(info)}\n`);
  fs.mkdirSync(path.dirname(o.out), { recursive: true });

  // Each step's result is written as soon as it is known: a run cut short keeps what finished.
  const out = { date: new Date().toISOString(), quick: o.quick, adapter: info.adapter, webgpu: info.webgpu, steps_done: [] };
  const matmulPrograms = o.matmulPrograms ?? [tf.env().get('WEBGPU_MATMUL_PROGRAM_TYPE')];
  const save = (step) => {
    out.steps_done.push(step);
    out.seconds = (Date.now() - started) / 1000;
    fs.writeFileSync(`${o.out}.part`, JSON.stringify(out, null, 2) + '\n');
    fs.renameSync(`${o.out}.part`, o.out);
    process.stderr.write(`[${out.seconds.toFixed(0)} s] ${step} done\n`);
  };

  if (!o.skip.includes('matmul')) {
    process.stderr.write('matrix-product rate...\n');
    out.matmul = await matmulCeiling(tf, o.quick);
    save('matmul');
  }
  if (!o.skip.includes('tiny')) {
    process.stderr.write('tiny recipes on the bundled data...\n');
    out.tiny = await timeTinyRecipes(api, o);
    save('tiny');
  }

  const results = {};
  out.image = results;
  const savedProgram = tf.env().get('WEBGPU_MATMUL_PROGRAM_TYPE');
  const savedSubmit = tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
  const submitBatches = o.submitBatches.length > 0 ? o.submitBatches : [savedSubmit];
  const imageAlgos = o.modalities.includes('image') ? ['v1', 'v2'] : [];
  for (const program of matmulPrograms) for (const submit of submitBatches) for (const algo of imageAlgos) {
    const batches = o.batches[algo] ?? (o.quick ? [4, 2] : algo === 'v1' ? [256, 128, 64, 32, 16, 8] : [64, 32, 16, 8, 4, 2]);
    const key = [algo, matmulPrograms.length > 1 ? `matmul-program ${program}` : '', submitBatches.length > 1 ? `submit-batch ${submit}` : ''].filter(Boolean).join(' ');
    tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', program);
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', submit);
    try {
      results[key] = { ...(await timeAlgo(api, tf, algo, batches, o)), matmul_program_type: program, submit_batch: submit };
    } catch (e) {
      // one failing configuration does not cost the others their measurement
      results[key] = { error: /** @type {Error} */ (e).message.split('\n')[0], matmul_program_type: program, submit_batch: submit };
      api.releaseFreeGpuBuffers();
    }
    tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', savedProgram);
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', savedSubmit);
    const r = results[key];
    process.stderr.write(r.error ? `${key}: ${r.error}\n` : `${key}: batch ${r.batch_size}, ${r.samples_per_sec.toFixed(1)} samples/s, ${r.tflop_per_sec.toPrecision(3)} TFLOP/s, ms per update: ${r.step_ms.toFixed(0)} (data ${r.data_ms.toFixed(0)}, recording ${r.record_ms.toFixed(0)}, waiting for the device ${r.read_ms.toFixed(0)}, optimizer and teacher ${r.after_ms.toFixed(0)}), losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}\n`);
    if (r.kernel_profile) process.stderr.write(`${key} ${api.formatKernelProfile({ ...r.kernel_profile, kernels: r.kernel_profile.kernels.slice(0, 8), rest: undefined })}\n`);
    save(`base ${key}`);
  }

  for (const modality of o.modalities.filter((m) => m !== 'image')) {
    out[modality] = {};
    for (const algo of ['v1', 'v2']) {
      const batches = o.batches[modality] ?? (o.quick ? [2, 1] : modality === 'audio' ? [16, 8, 4, 2, 1] : [64, 32, 16, 8, 4, 2, 1]);
      let r;
      try {
        r = await timeAlgo(api, tf, algo, batches, o, (...args) => sequenceSetup(modality, ...args));
      } catch (e) {
        r = { error: /** @type {Error} */ (e).message.split('\n')[0] };
        api.releaseFreeGpuBuffers();
      }
      out[modality][algo] = r;
      process.stderr.write(r.error ? `${modality} ${algo}: ${r.error}\n` : `${modality} ${algo}: batch ${r.batch_size}, ${r.samples_per_sec.toFixed(2)} samples/s, ${r.tflop_per_sec.toPrecision(3)} TFLOP/s, ${r.step_ms.toFixed(0)} ms per update, losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}\n`);
      save(`base ${modality} ${algo}`);
    }
  }

  if (o.skip.includes('parity')) {
    api.releaseWebGpu();
    return;
  }
  process.stderr.write('parity tests on this adapter...\n');
  const report = path.join(path.dirname(o.out), 'gpu-check-parity.json');
  fs.rmSync(report, { force: true }); // never read a previous run's results
  const grep = o.quick ? 'image-v1' : bundled ? RECIPE_PARITY : '';
  const parity = spawnSync(process.execPath, [PARITY_RUNNER, PARITY_TESTS, report, grep], { cwd: root, env: { ...process.env, CI: 'true' }, encoding: 'utf8', timeout: o.parityTimeout * 1000 });
  const stats = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')).stats : undefined;
  const timedOut = parity.error && /ETIMEDOUT/.test(parity.error.message);
  process.stderr.write(`parity: ${stats ? `${stats.passes} passed, ${stats.failures} failed, ${stats.pending} skipped` : timedOut ? `stopped after ${o.parityTimeout} s` : `mocha exited ${parity.status}`}\n`);
  if (!stats && parity.stderr) process.stderr.write(parity.stderr.slice(-2000));
  out.parity = stats ? { passes: stats.passes, failures: stats.failures, skipped: stats.pending, exit_code: parity.status } : { exit_code: parity.status, timed_out: Boolean(timedOut) };
  save('parity');
  process.stderr.write(`wrote ${o.out} (${out.seconds.toFixed(0)} s)\n`);
  api.releaseWebGpu();
  const failed = [...Object.values(results), ...o.modalities.filter((m) => m !== 'image').flatMap((m) => Object.values(out[m]))].some((r) => r.error);
  if (parity.status !== 0 || failed) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exitCode = 1;
});
