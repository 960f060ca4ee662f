/**
 * Test helper: a Hugging Face folder for a randomly initialised encoder at any size
 * (every parameter moved by seeded noise, so a misplaced tensor shows), with the
 * weights stored as F32, F16 or BF16, optionally sharded.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { HfConfig } from '../../src/hf/hf-config';
import { HfModality } from '../../src/hf/hf-modality';
import { Module } from '../../src/nn/module';
import { Rng } from '../../src/util/rng';

/** float32 → IEEE half bits (round to nearest; test values are exactly representable). */
function floatToHalf(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (x === 0) return sign;
  if (exp <= 0 || exp >= 31) throw new Error(`${x} is outside the half range used here`);
  return sign | (exp << 10) | Math.round(mant / 8192);
}

/** Raw safetensors bytes for float tensors stored as `dtype`. */
export function safetensorsBytes(tensors: Map<string, { data: Float32Array; shape: number[] }>, dtype: 'F32' | 'F16' | 'BF16'): Buffer {
  const header: Record<string, unknown> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    let bytes: Buffer;
    if (dtype === 'F32') bytes = Buffer.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    else {
      const u16 = new Uint16Array(t.data.length);
      const bits = new Uint32Array(Float32Array.from(t.data).buffer);
      for (let i = 0; i < t.data.length; i++) u16[i] = dtype === 'BF16' ? bits[i] >>> 16 : floatToHalf(t.data[i]);
      bytes = Buffer.from(u16.buffer);
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    chunks.push(bytes);
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...chunks]);
}

/** Give every parameter seeded values that are exact in F16 and BF16 (multiples of 1/64 in [-2, 2)). */
export function randomizeExactly(module: Module, seed: string): void {
  const rng = new Rng(seed);
  for (const [, v] of module.namedParameters()) {
    const values = Float32Array.from({ length: v.size }, () => Math.floor(rng.next() * 256 - 128) / 64);
    v.assign(tf.tensor(values, v.shape, 'float32'));
  }
}

/** The HF tensors of `encoder` by the modality's mappings. */
export function hfTensors(hf: HfModality, encoder: Module, model: unknown, config: HfConfig): Map<string, { data: Float32Array; shape: number[] }> {
  const params = new Map(encoder.namedParameters());
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const m of hf.mappings(model, config)) {
    const t = tf.tidy(() => m.layout.toHf(params.get(m.ours) as tf.Tensor));
    out.set(m.hf, { data: t.dataSync() as Float32Array, shape: [...t.shape] });
    t.dispose();
  }
  return out;
}

/** Write an HF folder (config.json + weights) for `encoder`; `shards` > 1 writes model.safetensors.index.json. */
export function writeHfFolder(dir: string, config: HfConfig, tensors: Map<string, { data: Float32Array; shape: number[] }>, dtype: 'F32' | 'F16' | 'BF16' = 'F32', shards = 1): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  if (shards === 1) {
    fs.writeFileSync(path.join(dir, 'model.safetensors'), safetensorsBytes(tensors, dtype));
    return;
  }
  const names = [...tensors.keys()];
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = new Map(names.filter((_, i) => i % shards === s).map((n) => [n, tensors.get(n) as { data: Float32Array; shape: number[] }]));
    for (const n of part.keys()) weightMap[n] = file;
    fs.writeFileSync(path.join(dir, file), safetensorsBytes(part, dtype));
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
}
