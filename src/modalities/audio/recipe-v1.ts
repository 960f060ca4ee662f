/**
 * The speech data2vec 1.0 recipe (spec §1.2, §2.1, §3.2, §4.2, Appendix A v1):
 * labelled clips (the bundled spoken digits, or `--data DIR`), size-ordered
 * batches cropped to their shortest clip and normalised per utterance
 * (`collateAudio`), span masks drawn on the batch's frame count, the wav2vec 2.0
 * style encoder as student and EMA teacher (the teacher sees the unmasked
 * waveform; the CNN, its LN, the projection and the positional conv are shared),
 * and, for probing, each clip encoded whole and its final outputs mean-pooled.
 */
import * as tf from '@tensorflow/tfjs';
import { RecipeData } from '../recipe';
import { defineRecipe, v1Model } from '../define-recipe';
import { AudioClip, AudioDataset, loadAudioDataset, summarizeSkipped } from '../../data/audio-dataset';
import { collateCentreCrop } from '../../data/audio-batch';
import { MODEL_SAMPLE_RATE } from '../../data/wav';
import { Data2VecV1 } from '../../data2vec/data2vec-v1';
import { meanPooledFeatures } from '../../eval/pooled-features';
import { LabelledFeatures } from '../../eval/features';
import { Rng } from '../../util/rng';
import { audioV1Batches } from './batches';
import { AudioEncoderV1 } from './encoder-v1';
import { AUDIO_V1_PRESETS, AudioV1Config } from './presets-v1';

/** Loaded clips and what the probe needs. */
export interface AudioData extends RecipeData {
  dataset: AudioDataset;
}

/** Load the clips the config names (bundled spoken digits unless `data` is a folder). */
export function loadAudioData(config: Pick<AudioV1Config, 'data' | 'audio' | 'seed'>): AudioData {
  const dataset = loadAudioDataset(config.data, { minSamples: config.audio.minSamples, maxSamples: config.audio.maxSamples });
  const { train, test, labels } = dataset;
  if (train.length === 0 || test.length === 0) {
    throw new Error(`${dataset.source} gave ${train.length} train and ${test.length} test clips; both splits need clips (${summarizeSkipped(dataset)}).`);
  }
  const seconds = [...train, ...test].map((c) => c.samples.length / MODEL_SAMPLE_RATE);
  const range = `${Math.min(...seconds).toFixed(2)}–${Math.max(...seconds).toFixed(2)} s`;
  const skipped = dataset.skipped.length > 0 ? `; ${summarizeSkipped(dataset)}` : '';
  return {
    dataset,
    trainSize: train.length,
    testSize: test.length,
    numClasses: labels.length,
    describe: `speech clips from ${dataset.source}: ${train.length} train / ${test.length} test (split by ${dataset.splitBy}), ${labels.length} labels, ${range}${skipped}`,
  };
}

/** Any speech encoder that maps a waveform batch [1, L] to outputs [1, T, D] (v1 and v2). */
export interface WaveformEncoder {
  forward(waveform: tf.Tensor): { out: tf.Tensor };
}

/** Mean-pooled final outputs of each clip, encoded whole (no crop below the cap, no padding, no mask). */
export function audioClipFeatures(encoder: WaveformEncoder, clips: readonly AudioClip[], maxSampleSize: number, onProgress?: (done: number, total: number) => void): Promise<LabelledFeatures> {
  const labels = Int32Array.from(clips, (c) => c.label);
  return meanPooledFeatures(clips.length, labels, 1, ([i]) => {
    const b = collateCentreCrop([clips[i]], { maxSampleSize });
    return encoder.forward(tf.tensor2d(b.waveforms, [1, b.length])).out;
  }, onProgress);
}

/** `--modality audio --algo v1`: presets tiny, small, base (see `presets-v1.ts`). */
export const audioV1Recipe = defineRecipe({
  modality: 'audio',
  algo: 'v1',
  presets: AUDIO_V1_PRESETS,
  loadData: loadAudioData,
  model: v1Model((config: AudioV1Config, rng: Rng) => new AudioEncoderV1(config.model, rng)),
  batches: (config: AudioV1Config, data: AudioData, model: Data2VecV1<AudioEncoderV1>) => audioV1Batches(config, data.dataset.train, model.encoder),
  features: (encoder, config, data, split, onProgress) => audioClipFeatures(encoder as AudioEncoderV1, data.dataset[split], config.audio.maxSampleSize, onProgress),
});
