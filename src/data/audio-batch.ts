/**
 * Speech batches without padding (spec §1.2 per-utterance normalisation,
 * §2.1 "Pretraining batches have no padding", §8 trap 3).
 *
 * - `normalizeWaveform` is fairseq `RawAudioDataset.postprocess` with
 *   `normalize: true`: `F.layer_norm(feats, feats.shape)` over the whole
 *   waveform (mean, biased variance, eps 1e-5, no affine).
 * - `collateAudio` is `RawAudioDataset.collater` with `pad=False`: every clip
 *   is normalised over its full length first (fairseq normalises in
 *   `__getitem__`), then cropped to `T = min(shortest clip, maxSampleSize)`
 *   at a random offset drawn per clip as `crop_to_max_size` does
 *   (`randint(0, diff + 1)`), so no row holds padding and the instance-norm
 *   statistics of the targets see only real frames.
 * - `collateCentreCrop` is the deterministic view for evaluation and probing:
 *   the same crop length, each clip cut at its centre (offset
 *   `floor(diff / 2)`). Called with one clip, it returns that whole clip
 *   (capped at `maxSampleSize`), the view to use for per-utterance features.
 */
import { Rng } from '../util/rng';
import type { AudioClip } from './audio-dataset';

/** fairseq `max_sample_size` for LibriSpeech pretraining: 320000 samples (20 s at 16 kHz). */
export const DEFAULT_MAX_SAMPLE_SIZE = 320000;

/** A batch of equal-length waveforms, row-major `[batch, length]`. */
export interface AudioBatch {
  /** `batch · length` samples; row b is `waveforms.subarray(b·length, (b+1)·length)`. */
  waveforms: Float32Array;
  batch: number;
  /** Samples per row, T. */
  length: number;
  /** Class index of each row. */
  labels: Int32Array;
  /** Where each row starts in its (normalised) source clip. */
  offsets: Int32Array;
}

/** Options of `collateAudio` and `collateCentreCrop`. */
export interface CollateOptions {
  /** Crop cap in samples (fairseq `max_sample_size`). Default 320000. */
  maxSampleSize?: number;
  /** Normalise each clip to zero mean and unit variance before cropping (fairseq `task.normalize`). Default true. */
  normalize?: boolean;
}

/** What a batch needs from a clip. */
export type ClipLike = Pick<AudioClip, 'samples' | 'label'>;

/**
 * Per-utterance normalisation, `F.layer_norm(x, x.shape)`: (x − mean) /
 * sqrt(var + eps) with the biased variance over the whole waveform.
 */
export function normalizeWaveform(samples: Float32Array, eps = 1e-5): Float32Array {
  const n = samples.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += samples[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (samples[i] - mean) ** 2;
  variance /= n;
  const scale = 1 / Math.sqrt(variance + eps);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (samples[i] - mean) * scale;
  return out;
}

/** Copy each clip's window `[offset, offset + length)` into one batch. */
function assemble(clips: readonly ClipLike[], length: number, offsets: Int32Array, normalize: boolean): AudioBatch {
  const waveforms = new Float32Array(clips.length * length);
  clips.forEach((clip, b) => {
    const source = normalize ? normalizeWaveform(clip.samples) : clip.samples;
    waveforms.set(source.subarray(offsets[b], offsets[b] + length), b * length);
  });
  return { waveforms, batch: clips.length, length, labels: Int32Array.from(clips, (c) => c.label), offsets };
}

/** Crop length of a batch: the shortest clip, capped at `maxSampleSize`. */
function cropLength(clips: readonly ClipLike[], maxSampleSize: number): number {
  if (clips.length === 0) throw new Error('cannot collate an empty list of clips; pass at least one clip.');
  const shortest = Math.min(...clips.map((c) => c.samples.length));
  if (shortest === 0) throw new Error('cannot collate a clip with 0 samples; drop empty clips first (loadAudioDataset does).');
  return Math.min(shortest, maxSampleSize);
}

/**
 * Training batch, fairseq `RawAudioDataset.collater` without padding: each
 * clip normalised, then cropped to the batch's shortest clip (capped at
 * `maxSampleSize`) at an offset drawn from `rng` per clip.
 */
export function collateAudio(clips: readonly ClipLike[], rng: Rng, options: CollateOptions = {}): AudioBatch {
  const length = cropLength(clips, options.maxSampleSize ?? DEFAULT_MAX_SAMPLE_SIZE);
  const offsets = Int32Array.from(clips, (c) => rng.int(0, c.samples.length - length + 1));
  return assemble(clips, length, offsets, options.normalize ?? true);
}

/**
 * Deterministic evaluation batch: like `collateAudio`, but each clip is cut
 * at its centre. With a single clip this is the whole clip (capped).
 */
export function collateCentreCrop(clips: readonly ClipLike[], options: CollateOptions = {}): AudioBatch {
  const length = cropLength(clips, options.maxSampleSize ?? DEFAULT_MAX_SAMPLE_SIZE);
  const offsets = Int32Array.from(clips, (c) => Math.floor((c.samples.length - length) / 2));
  return assemble(clips, length, offsets, options.normalize ?? true);
}
