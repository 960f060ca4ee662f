/**
 * Time-segment pooling for probing sequences without padding (speech clips; spec
 * §3.2): data2vec 1.0 speech targets are instance-normed over time, so each
 * channel's mean and scale over an utterance carry no target signal and the top
 * layers are free to drop them, while the order of what is said is what they
 * predict. Mean pooling over the whole clip reads only those dropped means; the
 * means of S equal consecutive segments, concatenated, keep the coarse order.
 * The view makes a recipe's unchanged mean-pooling extractor produce them:
 * `forward(...).out` [B, T, D] becomes [B, T, D · S] (channel-major, so column
 * groups of other views stay contiguous) where segment s holds out · T / |s|
 * inside s and 0 elsewhere, so its mean over T is the segment mean.
 */
import * as tf from '@tensorflow/tfjs';

interface SequenceEncoder {
  forward(input: tf.Tensor, ...rest: unknown[]): { out: tf.Tensor; padMask?: tf.Tensor };
}

/** Frame ranges [start, end) of `segments` near-equal consecutive parts of `length` frames (each at least 1 frame). */
export function segmentBounds(length: number, segments: number): [number, number][] {
  if (!(Number.isInteger(segments) && segments >= 1)) throw new Error(`segments must be a positive integer, got ${segments}.`);
  return Array.from({ length: segments }, (_, s) => {
    const start = Math.min(Math.floor((s * length) / segments), length - 1);
    return [start, Math.max(start + 1, Math.floor(((s + 1) * length) / segments))];
  });
}

/** The encoder seen through `segments` time segments (see the file header); throws on padded batches. */
export function segmentPooledView<E extends object>(encoder: E, segments: number): E {
  segmentBounds(1, segments);
  const enc = encoder as unknown as SequenceEncoder;
  const view = Object.create(encoder) as SequenceEncoder;
  view.forward = (input: tf.Tensor, ...rest: unknown[]) => {
    const r = enc.forward(input, ...rest);
    if (r.padMask) throw new Error('segment pooling needs unpadded sequences; encode one clip per batch.');
    return { ...r, out: segmentWeighted(r.out, segments) };
  };
  return view as unknown as E;
}

/** Token outputs [B, T, D] → [B, T, D · S] whose mean over T is the S segment means (see the file header); differentiable. */
export function segmentWeighted(out: tf.Tensor, segments: number): tf.Tensor {
  const t = out.shape[1] as number;
  const weights = new Float32Array(t * segments);
  for (const [s, [a, b]] of segmentBounds(t, segments).entries()) {
    for (let i = a; i < b; i++) weights[i * segments + s] = t / (b - a);
  }
  return tf.tidy(() => {
    const w = tf.tensor4d(weights, [1, t, 1, segments]);
    // [B, T, D, 1] × [1, T, 1, S] → [B, T, D, S] → [B, T, D · S]
    return tf.mul(out.expandDims(3), w).reshape([out.shape[0], t, (out.shape[2] as number) * segments]);
  });
}
