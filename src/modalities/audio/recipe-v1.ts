/**
 * The speech data2vec 1.0 recipe (spec §1.2, §2.1, §3.2, §4.2, Appendix A v1):
 * labelled clips (the bundled spoken digits, or `--data DIR`; FLAC/WAV corpora
 * and shards stream through `speech-corpus.ts`), size-ordered
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
import { audioLabelledSplit } from './labelled-split';
import { AUDIO_V1_PRESETS, AudioV1Config } from './presets-v1';
import { AudioSource, SpeechCorpus, SpeechCorpusConfig, describeSpeechCorpus, isSpeechCorpus, openSpeechCorpus, streamedAudio, streamedClipFeatures } from './speech-corpus';

/** Loaded clips and what the probe needs. */
export interface AudioData extends RecipeData {
  /** The clips in memory (empty splits when `corpus` streams). */
  dataset: AudioDataset;
  /** Set when `--data` names FLAC/WAV files or shards to stream (`speech-corpus.ts`). */
  corpus?: SpeechCorpus;
}

/**
 * Load the clips the config names: the bundled spoken digits, a folder with a
 * `manifest.csv` or a small `<label>/*.wav` folder in memory, or a streamed
 * speech corpus (`isSpeechCorpus`: LibriSpeech layout, FLAC/WAV folders, `.tar` shards).
 */
export function loadAudioData(config: Pick<AudioV1Config, 'data' | 'audio' | 'seed' | 'loader'>): AudioData {
  if (config.data !== undefined && isSpeechCorpus(config.data)) return loadSpeechCorpus(config.data, config);
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

function loadSpeechCorpus(data: string, config: Pick<AudioV1Config, 'audio' | 'seed' | 'loader'>): AudioData {
  const corpus = openSpeechCorpus(data, config);
  const dataset: AudioDataset = { train: [], test: [], labels: corpus.labels, skipped: [], source: corpus.root, splitBy: 'file' };
  return { dataset, corpus, skips: corpus.skips, trainSize: corpus.train.length, testSize: corpus.test.length, numClasses: corpus.labels.length, describe: describeSpeechCorpus(corpus) };
}

/** Features of a split: clips in memory, or files of a streamed corpus decoded one by one. */
export function audioSplitFeatures(encoder: WaveformEncoder, config: Pick<AudioV1Config, 'audio'>, data: AudioData, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): Promise<LabelledFeatures> {
  if (!data.corpus) return audioClipFeatures(encoder, data.dataset[split], config.audio.maxSampleSize, onProgress);
  return streamedClipFeatures((w) => encoder.forward(w).out, data.corpus, split, { maxSampleSize: config.audio.maxSampleSize, resample: config.audio.resample ?? false }, onProgress);
}

/** The clips of a split for fine-tuning; a streamed corpus is refused with one sentence. */
export function audioClipsOf(data: AudioData, split: 'train' | 'test'): AudioClip[] {
  if (data.corpus) throw new Error(`fine-tuning reads labelled clips in memory; ${data.corpus.root} is a streamed speech corpus: fine-tune on a folder with a manifest.csv or <label>/*.wav files.`);
  return data.dataset[split];
}

/** The micro-batch stream of a streamed corpus, or undefined for clips in memory. */
export const audioStreamOf = (config: SpeechCorpusConfig, data: AudioData): AudioSource | undefined => (data.corpus ? streamedAudio(config, data.corpus) : undefined);

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
  batches: (config: AudioV1Config, data: AudioData, model: Data2VecV1<AudioEncoderV1>) => audioV1Batches(config, data.dataset.train, model.encoder, audioStreamOf(config, data)),
  features: (encoder, config, data, split, onProgress) => audioSplitFeatures(encoder as AudioEncoderV1, config, data, split, onProgress),
  labelledSplit: (config, data, split) => audioLabelledSplit(audioClipsOf(data, split), config.audio.maxSampleSize),
});
