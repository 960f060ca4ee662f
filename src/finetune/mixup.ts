/**
 * Mixup and CutMix for image fine-tuning (spec §6 "Fine-tuning recipes": mixup 0.8
 * / cutmix 1.0 in data2vec 1.0, mixup 0.7 with probability 0.9 / cutmix 1.0 in 2.0),
 * in the batch mode of timm's `Mixup`: with probability `prob` a batch is mixed with
 * itself reversed, by CutMix with probability `switchProb` when both are on, else
 * mixup; λ ~ Beta(α, α). CutMix pastes a box of area fraction 1 − λ (clipped at the
 * border) and corrects λ to the area actually kept; targets mix with the same λ.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

/** Options of {@link mixBatch}; an alpha of 0 turns that method off. */
export interface MixupOptions {
  /** Beta(α, α) of mixup (0.8 in v1, 0.7 in v2). */
  mixupAlpha: number;
  /** Beta(α, α) of CutMix (1.0 in both). */
  cutmixAlpha: number;
  /** Probability that a batch is mixed at all (1 in v1, 0.9 in v2). */
  prob: number;
  /** Probability of CutMix rather than mixup when both are on (0.5). */
  switchProb: number;
}

/** A mixed batch: images [B, H, W, C], targets [B, K], the λ used and which method (none when the batch was left as is). */
export interface MixedBatch {
  images: tf.Tensor;
  targets: tf.Tensor;
  lambda: number;
  method: 'mixup' | 'cutmix' | 'none';
}

/** Gamma(shape, 1) by Marsaglia and Tsang (shape < 1 boosted by U^(1/shape)). */
function gamma(shape: number, rng: Rng): number {
  if (shape < 1) return gamma(shape + 1, rng) * Math.pow(rng.uniform(1e-12, 1), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rng.uniform(1e-12, 1);
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A draw from Beta(alpha, alpha). */
export function betaSample(alpha: number, rng: Rng): number {
  const a = gamma(alpha, rng);
  const b = gamma(alpha, rng);
  return a / (a + b);
}

/** CutMix box for λ on an h × w image (timm `rand_bbox`): centre uniform, sides √(1 − λ) of the image, clipped. */
export function cutmixBox(h: number, w: number, lambda: number, rng: Rng): { top: number; left: number; bottom: number; right: number } {
  const ratio = Math.sqrt(1 - lambda);
  const ch = Math.trunc(h * ratio);
  const cw = Math.trunc(w * ratio);
  const cy = rng.int(0, h);
  const cx = rng.int(0, w);
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return { top: clip(cy - Math.trunc(ch / 2), h), bottom: clip(cy + Math.trunc(ch / 2), h), left: clip(cx - Math.trunc(cw / 2), w), right: clip(cx + Math.trunc(cw / 2), w) };
}

/** Mix `images` [B, H, W, C] and `targets` [B, K] with the batch reversed (see the file header). Returns new tensors. */
export function mixBatch(images: tf.Tensor, targets: tf.Tensor, options: MixupOptions, rng: Rng): MixedBatch {
  const { mixupAlpha, cutmixAlpha, prob, switchProb } = options;
  if (!(mixupAlpha >= 0 && cutmixAlpha >= 0 && prob >= 0 && prob <= 1 && switchProb >= 0 && switchProb <= 1)) {
    throw new Error(`mixup options need alphas >= 0 and probabilities in [0, 1], got ${JSON.stringify(options)}.`);
  }
  const useAny = (mixupAlpha > 0 || cutmixAlpha > 0) && rng.next() < prob;
  if (!useAny) return { images: images.clone(), targets: targets.clone(), lambda: 1, method: 'none' };
  const cutmix = cutmixAlpha > 0 && (mixupAlpha === 0 || rng.next() < switchProb);
  let lambda = betaSample(cutmix ? cutmixAlpha : mixupAlpha, rng);
  const [, h, w] = images.shape as number[];
  const [mixedImages, mixedTargets] = tf.tidy(() => {
    const flipped = tf.reverse(images, 0);
    let mixed: tf.Tensor;
    if (cutmix) {
      const box = cutmixBox(h, w, lambda, rng);
      const area = (box.bottom - box.top) * (box.right - box.left);
      lambda = 1 - area / (h * w);
      const m = new Float32Array(h * w);
      for (let y = box.top; y < box.bottom; y++) m.fill(1, y * w + box.left, y * w + box.right);
      const mask = tf.tensor4d(m, [1, h, w, 1]);
      mixed = tf.add(tf.mul(images, tf.sub(1, mask)), tf.mul(flipped, mask));
    } else {
      mixed = tf.add(tf.mul(images, lambda), tf.mul(flipped, 1 - lambda));
    }
    const t = tf.add(tf.mul(targets, lambda), tf.mul(tf.reverse(targets, 0), 1 - lambda));
    return [mixed, t];
  });
  return { images: mixedImages, targets: mixedTargets, lambda, method: cutmix ? 'cutmix' : 'mixup' };
}
