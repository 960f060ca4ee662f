/**
 * The fused row kernels of `row-kernels.ts` (spec §1, §1.1: layer norm, GELU,
 * softmax and bias of every transformer block; §6: the AdamW step and gradient
 * clipping; §3.1: the teacher's EMA step) as WGSL compute shaders on the `webgpu`
 * backend, registered under the same kernel names (`D2vLayerNorm`, `D2vAdamW`, …)
 * so that the building blocks take the same fused path there. On a GPU the cost of
 * a small kernel is mostly on the host (tfjs's dispatch, a uniform buffer, a bind
 * group per kernel): an AdamW step composed from tfjs ops is about ten kernels per
 * parameter tensor, here it is one; the global gradient norm is one kernel call for
 * every gradient instead of three per gradient.
 *
 * Each shader computes what the wasm kernel computes, in float32 and in the same
 * order within an element (WGSL may contract a·b + c into a fused multiply-add, so
 * results equal the composed ops to float32 rounding, not bit for bit). Row
 * reductions (mean, variance, Σ dy·y) are one 64-thread workgroup per row, summed
 * in a tree; column sums (dγ, dβ, a bias gradient) sum chunks of rows per column in
 * one dispatch and the chunks in a second. Erf is Abramowitz & Stegun 7.1.26, as on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { Dispatch, Uniform, WebGpuBackendInternals, makeOutput, recordDispatches } from './webgpu-dispatch';
import { rowsOf } from './row-kernels';

/** Threads per workgroup (within every WebGPU device's limits). */
const WG = 64;
/** Most workgroups per dispatch; the shaders loop over what is left (grid-stride). */
const MAX_WORKGROUPS = 4096;

/** Storage bindings (outputs `read_write`, then inputs `read`) and the uniform struct `u`. */
function bindings(outputs: string[], inputs: string[], fields: string): string {
  const lines = [
    ...outputs.map((n, i) => `@group(0) @binding(${i}) var<storage, read_write> ${n} : array<f32>;`),
    ...inputs.map((n, i) => `@group(0) @binding(${outputs.length + i}) var<storage, read> ${n} : array<f32>;`),
    `struct U { ${fields} };`,
    `@group(0) @binding(${outputs.length + inputs.length}) var<uniform> u : U;`,
  ];
  return lines.join('\n');
}

/** A grid-stride loop over `u.n` elements, `body` seeing the index `i`. */
function elementwise(outputs: string[], inputs: string[], fields: string, body: string, helpers = ''): string {
  return `${bindings(outputs, inputs, `n : u32, stride : u32, ${fields}`)}
${helpers}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  for (var i = gid.x; i < u.n; i = i + u.stride) {
${body}
  }
}`;
}

/**
 * Tree sums over the workgroup; `workgroupSumA` and `workgroupSumB` use separate
 * scratch arrays, so that two sums in a row do not share memory (on Mesa's
 * llvmpipe a second sum through the same array read stale values).
 */
const WORKGROUP_SUM = ['A', 'B'].map((k) => `
var<workgroup> partial${k} : array<f32, ${WG}>;
fn workgroupSum${k}(v : f32, lid : u32) -> f32 {
  partial${k}[lid] = v;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { partial${k}[lid] = partial${k}[lid] + partial${k}[lid + s]; }
    workgroupBarrier();
  }
  let total = partial${k}[0];
  workgroupBarrier();
  return total;
}`).join('\n');

/** One workgroup per row of `u.cols` (rows `wid.x`, `wid.x + u.step`, …), `body` seeing `r`, `base`, `lid`. */
function perRow(outputs: string[], inputs: string[], fields: string, body: string): string {
  return `${bindings(outputs, inputs, `rows : u32, cols : u32, step : u32, ${fields}`)}
${WORKGROUP_SUM}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(local_invocation_id) lid3 : vec3<u32>) {
  let lid = lid3.x;
  let cols = u.cols;
  for (var r = wid.x; r < u.rows; r = r + u.step) {
    let base = r * cols;
${body}
  }
}`;
}

/**
 * Column sums in two dispatches: each workgroup sums 64 columns over a chunk of
 * `u.chunk` rows into `partials` (row chunk p, column c at p·cols + c; with two sums,
 * the second at (parts + p)·cols + c), then one thread per column adds the chunks in
 * order. `value` is the summand at flat index `k` of row `r` (`value2` the second's).
 */
function columnPartials(inputs: string[], value: string, value2?: string): string {
  return `${bindings(['partials'], inputs, 'rows : u32, cols : u32, colBlocks : u32, chunk : u32, parts : u32,')}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(local_invocation_id) lid3 : vec3<u32>) {
  let part = wid.x / u.colBlocks;
  let c = (wid.x % u.colBlocks) * ${WG}u + lid3.x;
  if (c >= u.cols) { return; }
  let end = min(u.rows, (part + 1u) * u.chunk);
  var s = 0.0;
  var s2 = 0.0;
  for (var r = part * u.chunk; r < end; r = r + 1u) {
    let k = r * u.cols + c;
    s = s + ${value};
    ${value2 ? `s2 = s2 + ${value2};` : ''}
  }
  partials[part * u.cols + c] = s;
  ${value2 ? 'partials[(u.parts + part) * u.cols + c] = s2;' : ''}
}`;
}

/** The second dispatch: out[c] (and out2[c]) = Σ over row chunks of the partial sums. */
function columnTotals(outputs: string[]): string {
  const body = outputs.map((o, i) => `    var s${i} = 0.0;
    for (var p = 0u; p < u.parts; p = p + 1u) { s${i} = s${i} + partials[(${i}u * u.parts + p) * u.n + i]; }
    ${o}[i] = s${i};`).join('\n');
  return elementwise(outputs, ['partials'], 'parts : u32,', body);
}

const GELU_HELPERS = `
// Φ(x) and e^(−x²/2) for exact GELU; erf by Abramowitz & Stegun 7.1.26.
fn geluParts(x : f32) -> vec2<f32> {
  let z = abs(x) * 0.7071067811865476;
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let p = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592);
  let e = exp(max(-(z * z), -87.3));
  let half = p * t * e * 0.5;
  return vec2<f32>(select(half, 1.0 - half, x >= 0.0), e);
}`;

const SHADERS = {
  layerNorm: (affine: boolean) => perRow(['y', 'stats'], affine ? ['x', 'gamma', 'beta'] : ['x'], 'eps : f32,', `
    var s = 0.0;
    for (var j = lid; j < cols; j = j + ${WG}u) { s = s + x[base + j]; }
    let mean = workgroupSumA(s, lid) / f32(cols);
    var q = 0.0;
    for (var j = lid; j < cols; j = j + ${WG}u) { let d = x[base + j] - mean; q = q + d * d; }
    let rstd = 1.0 / sqrt(workgroupSumB(q, lid) / f32(cols) + u.eps);
    if (lid == 0u) { stats[2u * r] = mean; stats[2u * r + 1u] = rstd; }
    for (var j = lid; j < cols; j = j + ${WG}u) {
      let v = (x[base + j] - mean) * rstd;
      y[base + j] = ${affine ? 'v * gamma[j] + beta[j]' : 'v'};
    }`),
  layerNormGrad: (affine: boolean) => perRow(['dx'], affine ? ['x', 'stats', 'dy', 'gamma'] : ['x', 'stats', 'dy'], 'inv : f32,', `
    let mean = stats[2u * r];
    let rstd = stats[2u * r + 1u];
    var a = 0.0;
    var b = 0.0;
    for (var j = lid; j < cols; j = j + ${WG}u) {
      let xh = (x[base + j] - mean) * rstd;
      let g = dy[base + j]${affine ? ' * gamma[j]' : ''};
      a = a + g;
      b = b + g * xh;
    }
    let sa = workgroupSumA(a, lid) * u.inv;
    let sb = workgroupSumB(b, lid) * u.inv;
    for (var j = lid; j < cols; j = j + ${WG}u) {
      let xh = (x[base + j] - mean) * rstd;
      let g = dy[base + j]${affine ? ' * gamma[j]' : ''};
      dx[base + j] = rstd * ((g - sa) - xh * sb);
    }`),
  layerNormParamPartials: columnPartials(['x', 'stats', 'dy'], 'dy[k] * ((x[k] - stats[2u * r]) * stats[2u * r + 1u])', 'dy[k]'),
  layerNormParamTotals: columnTotals(['dgamma', 'dbeta']),
  softmaxGrad: perRow(['dx'], ['y', 'dy'], '', `
    var a = 0.0;
    for (var j = lid; j < cols; j = j + ${WG}u) { a = a + dy[base + j] * y[base + j]; }
    let s = workgroupSumA(a, lid);
    for (var j = lid; j < cols; j = j + ${WG}u) { dx[base + j] = y[base + j] * (dy[base + j] - s); }`),
  gelu: elementwise(['y'], ['x'], '', `    let v = x[i];\n    y[i] = v * geluParts(v).x;`, GELU_HELPERS),
  geluGrad: elementwise(['dx'], ['x', 'dy'], '', `    let v = x[i];
    let parts = geluParts(v);
    dx[i] = dy[i] * (parts.x + v * (parts.y * 0.3989422804014327));`, GELU_HELPERS),
  biasAdd: elementwise(['y'], ['x', 'b'], 'cols : u32,', '    y[i] = x[i] + b[i % u.cols];'),
  columnPartials: columnPartials(['x'], 'x[k]'),
  columnTotals: columnTotals(['out']),
  adamw: elementwise(['pOut', 'mOut', 'vOut'], ['p', 'g', 'm', 'v'],
    'b1 : f32, c1 : f32, b2 : f32, c2 : f32, decay : f32, scale : f32, div : f32, eps : f32,', `
    let gi = g[i];
    let mi = m[i] * u.b1 + gi * u.c1;
    let vi = v[i] * u.b2 + (gi * gi) * u.c2;
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = p[i] * u.decay - (mi * u.scale) / (sqrt(vi) / u.div + u.eps);`),
  ema: elementwise(['out'], ['t', 's'], 'tau : f32, rest : f32,', '    out[i] = t[i] * u.tau + s[i] * u.rest;'),
  sumSquaresPartial: `${bindings(['partials'], ['x'], 'n : u32, offset : u32, step : u32,')}
${WORKGROUP_SUM}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(local_invocation_id) lid3 : vec3<u32>) {
  let lid = lid3.x;
  var s = 0.0;
  for (var i = wid.x * ${WG}u + lid; i < u.n; i = i + u.step * ${WG}u) { let v = x[i]; s = s + v * v; }
  let total = workgroupSumA(s, lid);
  if (lid == 0u) { partials[u.offset + wid.x] = total; }
}`,
  sumPartials: `${bindings(['out'], ['partials'], 'n : u32,')}
${WORKGROUP_SUM}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid3 : vec3<u32>) {
  let lid = lid3.x;
  var s = 0.0;
  for (var i = lid; i < u.n; i = i + ${WG}u) { s = s + partials[i]; }
  let total = workgroupSumA(s, lid);
  if (lid == 0u) { out[0] = total; }
}`,
};

/**
 * The two dispatches of a column sum over `rows` × `cols` and their scratch tensor. A
 * chunk is at least 64 rows, and there are few enough chunks for the workgroup cap.
 */
function columnSums(shaders: { partials: string; totals: string }, outputs: tf.TensorInfo[], inputs: tf.TensorInfo[], rows: number, cols: number, backend: WebGpuBackendInternals): { steps: Dispatch[]; partials: tf.TensorInfo } {
  const colBlocks = Math.ceil(cols / WG);
  const chunk = Math.max(64, Math.ceil(rows / Math.max(1, Math.floor(MAX_WORKGROUPS / Math.max(colBlocks, 1)))));
  const parts = Math.max(1, Math.ceil(rows / chunk));
  const partials = makeOutput(backend, [outputs.length * parts * cols]);
  const steps: Dispatch[] = [
    { shader: shaders.partials, buffers: [partials, ...inputs], workgroups: rows === 0 ? 0 : colBlocks * parts,
      uniforms: [['u32', rows], ['u32', cols], ['u32', colBlocks], ['u32', chunk], ['u32', parts]] },
    overElements(shaders.totals, [...outputs, partials], cols, [['u32', rows === 0 ? 0 : parts]]),
  ];
  return { steps, partials };
}

/** Workgroups for `n` threads of work, capped (the shaders loop). */
function workgroupsFor(n: number): number {
  return Math.min(Math.ceil(n / WG), MAX_WORKGROUPS);
}

/** An elementwise dispatch over n values: uniforms n and stride, then `more`. */
function overElements(shader: string, buffers: tf.TensorInfo[], n: number, more: Uniform[] = []): Dispatch {
  const workgroups = workgroupsFor(n);
  return { shader, buffers, workgroups, uniforms: [['u32', n], ['u32', workgroups * WG], ...more] };
}

/** A per-row dispatch: uniforms rows, cols, step, then `more`. */
function overRows(shader: string, buffers: tf.TensorInfo[], rows: number, cols: number, more: Uniform[] = []): Dispatch {
  const workgroups = cols === 0 ? 0 : Math.min(rows, MAX_WORKGROUPS);
  return { shader, buffers, workgroups, uniforms: [['u32', rows], ['u32', cols], ['u32', workgroups], ...more] };
}

const size = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape);

type Kernel = (b: WebGpuBackendInternals, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>) => tf.TensorInfo[];

/** The kernels, with the inputs, attributes and outputs of their wasm namesakes (`row-kernels.ts`). */
const KERNELS: Record<string, Kernel> = {
  D2vLayerNorm: (b, { x, gamma, beta }, { eps }) => {
    const [rows, cols] = rowsOf(x);
    const y = makeOutput(b, x.shape);
    const stats = makeOutput(b, [rows, 2]);
    const affine = gamma !== undefined && beta !== undefined;
    recordDispatches(b, 'D2vLayerNorm', [
      overRows(SHADERS.layerNorm(affine), affine ? [y, stats, x, gamma, beta] : [y, stats, x], rows, cols, [['f32', eps as number]]),
    ]);
    return [y, stats];
  },
  D2vLayerNormGrad: (b, { x, stats, dy, gamma }) => {
    const [rows, cols] = rowsOf(x);
    const dx = makeOutput(b, x.shape);
    const affine = gamma !== undefined;
    const steps = [overRows(SHADERS.layerNormGrad(affine), affine ? [dx, x, stats, dy, gamma] : [dx, x, stats, dy], rows, cols, [['f32', 1 / cols]])];
    if (!affine) {
      recordDispatches(b, 'D2vLayerNormGrad', steps);
      return [dx];
    }
    const dgamma = makeOutput(b, [cols]);
    const dbeta = makeOutput(b, [cols]);
    const sums = columnSums({ partials: SHADERS.layerNormParamPartials, totals: SHADERS.layerNormParamTotals }, [dgamma, dbeta], [x, stats, dy], rows, cols, b);
    recordDispatches(b, 'D2vLayerNormGrad', [...steps, ...sums.steps], [sums.partials]);
    return [dx, dgamma, dbeta];
  },
  D2vSoftmaxGrad: (b, { y, dy }) => {
    const [rows, cols] = rowsOf(y);
    const dx = makeOutput(b, y.shape);
    recordDispatches(b, 'D2vSoftmaxGrad', [overRows(SHADERS.softmaxGrad, [dx, y, dy], rows, cols)]);
    return [dx];
  },
  D2vGelu: (b, { x }) => {
    const y = makeOutput(b, x.shape);
    recordDispatches(b, 'D2vGelu', [overElements(SHADERS.gelu, [y, x], size(x))]);
    return [y];
  },
  D2vGeluGrad: (b, { x, dy }) => {
    const dx = makeOutput(b, x.shape);
    recordDispatches(b, 'D2vGeluGrad', [overElements(SHADERS.geluGrad, [dx, x, dy], size(x))]);
    return [dx];
  },
  D2vBiasAdd: (b, { x, bias }) => {
    const [, cols] = rowsOf(x);
    const y = makeOutput(b, x.shape);
    recordDispatches(b, 'D2vBiasAdd', [overElements(SHADERS.biasAdd, [y, x, bias], size(x), [['u32', cols]])]);
    return [y];
  },
  D2vColumnSum: (b, { x }) => {
    const [rows, cols] = rowsOf(x);
    const out = makeOutput(b, [cols]);
    const sums = columnSums({ partials: SHADERS.columnPartials, totals: SHADERS.columnTotals }, [out], [x], rows, cols, b);
    recordDispatches(b, 'D2vColumnSum', sums.steps, [sums.partials]);
    return [out];
  },
  D2vAdamW: (b, { param, grad, expAvg, expAvgSq }, a) => {
    const outs = [param, expAvg, expAvgSq].map((t) => makeOutput(b, t.shape));
    const f = (name: string): Uniform => ['f32', a[name] as number];
    const b1 = a.beta1 as number;
    const b2 = a.beta2 as number;
    recordDispatches(b, 'D2vAdamW', [overElements(SHADERS.adamw, [...outs, param, grad, expAvg, expAvgSq], size(param), [
      ['f32', b1], ['f32', 1 - b1], ['f32', b2], ['f32', 1 - b2], f('decay'), f('scale'), f('div'), f('eps'),
    ])]);
    return outs;
  },
  D2vEma: (b, { teacher, student }, { tau }) => {
    const out = makeOutput(b, teacher.shape);
    recordDispatches(b, 'D2vEma', [overElements(SHADERS.ema, [out, teacher, student], size(teacher), [['f32', tau as number], ['f32', 1 - (tau as number)]])]);
    return [out];
  },
  D2vSumOfSquares: (b, inputs) => {
    const all = Object.values(inputs).filter((t) => size(t) > 0);
    const counts = all.map((t) => Math.min(Math.ceil(size(t) / (WG * 8)), 1024));
    const total = counts.reduce((s, c) => s + c, 0);
    const out = makeOutput(b, []);
    const partials = makeOutput(b, [Math.max(total, 1)]);
    let offset = 0;
    const steps: Dispatch[] = all.map((t, i) => {
      const d: Dispatch = { shader: SHADERS.sumSquaresPartial, buffers: [partials, t], workgroups: counts[i], uniforms: [['u32', size(t)], ['u32', offset], ['u32', counts[i]]] };
      offset += counts[i];
      return d;
    });
    steps.push({ shader: SHADERS.sumPartials, buffers: [out, partials], workgroups: 1, uniforms: [['u32', total]] });
    recordDispatches(b, 'D2vSumOfSquares', steps, [partials]);
    return [out];
  },
};

/** The kernel names registered for `webgpu` (the same as on wasm). */
export const WEBGPU_ROW_KERNEL_NAMES: readonly string[] = Object.keys(KERNELS);

/** Register the WGSL row kernels with the webgpu backend once; safe to call many times, and before the backend starts. */
export function registerWebGpuRowKernels(): void {
  for (const [kernelName, run] of Object.entries(KERNELS)) {
    if (tf.getKernel(kernelName, 'webgpu') !== undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const named = inputs as Record<string, tf.TensorInfo>;
        for (const t of Object.values(named)) {
          if (t.dtype !== 'float32') throw new Error(`${kernelName}: inputs must be float32, got ${t.dtype}.`);
        }
        const outs = run(backend as unknown as WebGpuBackendInternals, named, (attrs ?? {}) as Record<string, unknown>);
        return outs.length === 1 ? outs[0] : outs;
      },
    });
  }
}
