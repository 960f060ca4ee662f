/**
 * Record hand-written WGSL compute shaders on tfjs's WebGPU backend with several
 * outputs per kernel (platform facts, "GPU through WebGPU"). tfjs's own
 * `runWebGPUProgram` binds exactly one output; the fused row kernels
 * (`webgpu-row-kernels.ts`) write two or three tensors (an AdamW step writes the
 * parameter and both moments) and some run two passes. This records their
 * dispatches into the backend's current compute pass, the way tfjs's
 * `recordAndSubmit` does: inputs and outputs stay alive until the queue is
 * submitted, a submit follows every `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE`
 * dispatches, and under `tf.profile` the kernel's pass gets timestamp queries.
 */
import * as tf from '@tensorflow/tfjs';

/* eslint-disable @typescript-eslint/no-explicit-any */
type GpuBuffer = { size: number };
type GpuPipeline = { getBindGroupLayout(i: number): unknown };
interface GpuDevice {
  createShaderModule(d: { code: string; label?: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; label?: string; compute: { module: unknown; entryPoint: string } }): GpuPipeline;
  createBindGroup(d: { layout: unknown; entries: { binding: number; resource: unknown }[] }): unknown;
  createQuerySet(d: { type: 'timestamp'; count: number }): unknown;
}
interface ComputePass {
  setPipeline(p: GpuPipeline): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
}

/** The parts of tfjs-backend-webgpu 4.22's `WebGPUBackend` that recording a dispatch uses. */
export interface WebGpuBackendInternals {
  device: GpuDevice;
  tensorMap: { get(dataId: object): { resource: unknown; values: unknown } | undefined };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  makeUniforms(u: { type: 'float32' | 'int32' | 'uint32'; data: number[] }[]): { offset: number; size: number; buffer: GpuBuffer };
  commandQueueOwnedIds: WeakSet<object>;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  commandEncoder: { beginComputePass(d: any): ComputePass };
  computePassEncoder: ComputePass | null;
  dispatchCountInPass: number;
  submitQueue(): void;
  activeTimers: { name: string; query: Promise<number> }[] | null | undefined;
  supportTimestampQuery: boolean;
  querySet: unknown;
  querySetCount: number;
  getQueryTime(): Promise<number>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A uniform field: a 32-bit value of the shader's `struct U`, in declaration order. */
export type Uniform = ['f32' | 'u32', number];

/** One dispatch: a shader, its storage bindings (0, 1, …; the uniforms follow), uniforms and workgroup counts. */
export interface Dispatch {
  shader: string;
  /** Storage bindings in binding order: `read_write` outputs and `read` inputs as the shader declares them. */
  buffers: tf.TensorInfo[];
  uniforms: Uniform[];
  workgroups: number;
}

const pipelines = new WeakMap<object, Map<string, GpuPipeline>>();

function pipelineFor(backend: WebGpuBackendInternals, name: string, shader: string): GpuPipeline {
  let cache = pipelines.get(backend.device);
  if (!cache) pipelines.set(backend.device, (cache = new Map()));
  let pipeline = cache.get(shader);
  if (!pipeline) {
    const module = backend.device.createShaderModule({ code: shader, label: name });
    pipeline = backend.device.createComputePipeline({ layout: 'auto', label: name, compute: { module, entryPoint: 'main' } });
    cache.set(shader, pipeline);
  }
  return pipeline;
}

/** A float32 output tensor on the backend (an empty one has no buffer, as tfjs does it). */
export function makeOutput(backend: WebGpuBackendInternals, shape: number[]): tf.TensorInfo {
  const out = backend.makeTensorInfo(shape, 'float32');
  if (tf.util.sizeFromShape(shape) === 0) backend.tensorMap.get(out.dataId)!.values = new Float32Array(0);
  else backend.uploadToGPU(out.dataId);
  return out;
}

/**
 * Record `dispatches` (in order; each sees the writes of the ones before) as the kernel
 * `name`. `temporaries` (scratch tensors of these dispatches) are disposed after
 * recording; their buffers go back to tfjs's pool when the queue is submitted.
 */
export function recordDispatches(backend: WebGpuBackendInternals, name: string, dispatches: Dispatch[], temporaries: tf.TensorInfo[] = []): void {
  try {
    record(backend, name, dispatches);
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

function record(backend: WebGpuBackendInternals, name: string, dispatches: Dispatch[]): void {
  const work = dispatches.filter((d) => d.workgroups > 0);
  if (work.length === 0) return;
  const groups = work.map((d) => {
    for (const t of d.buffers) backend.uploadToGPU(t.dataId);
    const pipeline = pipelineFor(backend, name, d.shader);
    const entries = d.buffers.map((t, i) => ({ binding: i, resource: { buffer: backend.tensorMap.get(t.dataId)!.resource } }));
    const uniforms = backend.makeUniforms(d.uniforms.map(([type, v]) => ({ type: type === 'f32' ? 'float32' : 'uint32', data: [v] })));
    entries.push({ binding: d.buffers.length, resource: uniforms });
    return { pipeline, bindGroup: backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), workgroups: d.workgroups };
  });
  // marked once every buffer and uniform is acquired: a budgeted pool may submit while they are (a submit clears the marks)
  for (const d of work) for (const t of d.buffers) backend.commandQueueOwnedIds.add(t.dataId);
  const timed = backend.activeTimers != null;
  backend.ensureCommandEncoderReady();
  if (timed && backend.supportTimestampQuery) {
    backend.endComputePassEncoder();
    backend.querySet ??= backend.device.createQuerySet({ type: 'timestamp', count: backend.querySetCount });
    backend.computePassEncoder = backend.commandEncoder.beginComputePass({
      timestampWrites: { querySet: backend.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
  } else if (!backend.computePassEncoder) {
    backend.computePassEncoder = backend.commandEncoder.beginComputePass({});
  }
  const pass = backend.computePassEncoder!;
  for (const g of groups) {
    pass.setPipeline(g.pipeline);
    pass.setBindGroup(0, g.bindGroup);
    pass.dispatchWorkgroups(g.workgroups);
    backend.dispatchCountInPass++;
  }
  if (timed || (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    if (timed) backend.activeTimers!.push({ name, query: backend.getQueryTime() });
    else backend.submitQueue();
  }
}
