/**
 * Per-layer frozen features (spec §7; the per-layer probe of the data2vec and
 * wav2vec 2.0 literature, where middle layers often carry more than the last):
 * an encoder view whose `forward(...).out` is every block's end-of-block output
 * followed by the encoder's own final output, concatenated along channels, so
 * one pass of a recipe's unchanged feature extractor pools all layers at once;
 * then the pooled columns are split back into one feature set per layer. Also the
 * mean of the top K blocks' outputs as one feature set ({@link topLayersMeanView}).
 */
import * as tf from '@tensorflow/tfjs';
import { LabelledFeatures } from './features';
import { addMany } from '../nn/add-many';

interface LayeredEncoder {
  forward(input: tf.Tensor, ...rest: unknown[]): { out: tf.Tensor; layers: { out: tf.Tensor }[] };
}

/**
 * The encoder seen through every layer: the same object (its other methods and
 * fields read through), but `forward(...).out` is `[B, T, (L + 1) · D]`: block 1 … L
 * end-of-block outputs, then the encoder's final `out`. `parts()` gives L + 1 once
 * the view has run (0 before).
 */
export function allLayersView<E extends object>(encoder: E): { view: E; parts: () => number } {
  let parts = 0;
  const enc = encoder as unknown as LayeredEncoder;
  if (typeof enc.forward !== 'function') throw new Error('allLayersView needs an encoder with a forward method.');
  const view = Object.create(encoder) as LayeredEncoder;
  view.forward = (input: tf.Tensor, ...rest: unknown[]) => {
    const r = enc.forward(input, ...rest);
    if (!Array.isArray(r.layers) || r.layers.length === 0) {
      throw new Error('the encoder reports no per-block outputs, so its layers cannot be probed one by one.');
    }
    parts = r.layers.length + 1;
    return { ...r, out: tf.concat([...r.layers.map((l) => l.out), r.out], -1) };
  };
  return { view: view as unknown as E, parts: () => parts };
}

/**
 * The encoder seen through the mean of its top `k` blocks' end-of-block outputs (the
 * blocks data2vec builds its targets from, spec §3.2, read as features): the same
 * object, but `forward(...).out` is `[B, T, D]` = mean of blocks L − k + 1 … L.
 */
export function topLayersMeanView<E extends object>(encoder: E, k: number): E {
  const enc = encoder as unknown as LayeredEncoder;
  if (typeof enc.forward !== 'function') throw new Error('topLayersMeanView needs an encoder with a forward method.');
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`the number of top blocks to average must be a positive integer, got ${k}.`);
  const view = Object.create(encoder) as LayeredEncoder;
  view.forward = (input: tf.Tensor, ...rest: unknown[]) => {
    const r = enc.forward(input, ...rest);
    const depth = Array.isArray(r.layers) ? r.layers.length : 0;
    if (depth < k) throw new Error(`the encoder reports ${depth} per-block outputs, fewer than the ${k} top blocks to average.`);
    return { ...r, out: tf.tidy(() => tf.div(addMany(r.layers.slice(depth - k).map((l) => l.out)), k)) };
  };
  return view as unknown as E;
}

/** One feature set per layer from {@link allLayersView} features: `parts` equal column groups, in order. */
export function splitLayerFeatures(features: LabelledFeatures, parts: number): LabelledFeatures[] {
  const { x, y, n, dim } = features;
  if (!(Number.isInteger(parts) && parts >= 1 && dim % parts === 0)) {
    throw new Error(`cannot split ${dim}-d features into ${parts} equal layers.`);
  }
  const d = dim / parts;
  return Array.from({ length: parts }, (_, p) => {
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) out.set(x.subarray(i * dim + p * d, i * dim + (p + 1) * d), i * d);
    return { x: out, y, n, dim: d };
  });
}

/**
 * Spread of pooled features across samples: the mean over dimensions of each
 * dimension's standard deviation (the `compute_var` statistic of spec §5.1 on
 * pooled vectors). Near 0 means every sample maps to about the same vector.
 */
export function pooledSpread(features: LabelledFeatures): number {
  const { x, n, dim } = features;
  if (n < 2) return 0;
  let total = 0;
  for (let j = 0; j < dim; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * dim + j];
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    total += Math.sqrt(Math.max(0, (s2 - n * mean * mean) / (n - 1)));
  }
  return total / dim;
}
