/**
 * The speech data2vec 2.0 recipe (spec §1.2 "v2", §2.2, §2.5, §4.2, §5.2–5.3, traps 9–11,
 * 27, Appendix A v2): the clips and size-ordered batches of the v1 recipe (cropped to
 * the batch's shortest clip, normalised per utterance, `collateAudio`), M = `clones`
 * 1-D block masks per clip with exactly int(T·mask_prob) masked frames
 * (`compute_block_mask_1d` with `require_same_masks`), the shared v2 model with the
 * speech modality encoder and `Decoder1d`, the teacher on the student's projected CNN
 * features, and each clip encoded whole and mean-pooled for probing.
 *
 * Trap 27: fairseq draws each clip's masks on its full frame count and crops them to
 * the batch's frame count at a random offset, which can leave rows of one batch with
 * different masked counts. Here the masks are drawn on the batch's frame count
 * directly, so every row has exactly the same count (what `make_maskinfo` assumes);
 * the masks are i.i.d. random either way.
 */
import * as tf from '@tensorflow/tfjs';
import { LabelledSplit, PretrainSetup, Recipe, RunOverrides } from '../../run/recipe';
import { applyOverrides, presetFor } from '../../run/overrides';
import { AudioClip } from '../../data/audio-dataset';
import { collateAudio } from '../../data/audio-batch';
import { blockMask1d } from '../../masking/block-mask-1d';
import { cloneMasks } from '../../masking/multi-mask';
import { Data2VecV2, V2Batch } from '../../data2vec/data2vec-v2';
import { makeMaskInfo } from '../../data2vec/v2-mask-info';
import { V2Backbone } from '../../data2vec/v2-backbone';
import { Decoder1d } from '../../nn/decoder-1d';
import { LabelledFeatures } from '../../eval/features';
import { Module } from '../../nn/module';
import { Rng } from '../../util/rng';
import { AudioEncoderV2, audioBackboneV2 } from './encoder-v2';
import { audioBatchPlan } from './length-batches';
import { AudioData, audioClipFeatures, loadAudioData } from './recipe-v1';
import { AUDIO_V2_PRESETS, AudioV2Config } from './presets-v2';
import { audioLabelledSplit } from './labelled-split';

/** The v2 speech model of a config (random init from `config.seed`). */
export function buildAudioV2(config: AudioV2Config): Data2VecV2<AudioEncoderV2, Decoder1d> {
  return new Data2VecV2(
    (rng) => audioBackboneV2(config.model, rng),
    (rng) => new Decoder1d(config.decoder, config.model.dim, rng),
    config.data2vec,
    new Rng(`${config.seed}:init`),
  );
}

/** The batch source: size-ordered clips, cropped and normalised, with `clones` block masks per clip on the batch's frames. */
export function audioV2Batches(config: AudioV2Config, clips: readonly AudioClip[], encoder: AudioEncoderV2): (update: number, micro: number) => V2Batch {
  const { batchSize, accumulation } = config.trainer;
  const { clones } = config.data2vec;
  const plan = audioBatchPlan(clips.map((c) => c.samples.length), batchSize, config.audio.batching, config.seed);
  return (update, micro) => {
    const rng = new Rng(`${config.seed}:batch:${update}:${micro}`);
    const batch = collateAudio(plan(update * accumulation + micro).map((i) => clips[i]), rng, { maxSampleSize: config.audio.maxSampleSize });
    const frames = encoder.outputLength(batch.length);
    const masks = cloneMasks(batch.batch, clones, (m, r) => blockMask1d({ batch: m, length: frames }, r, config.masking), rng);
    return { input: tf.tensor2d(batch.waveforms, [batch.batch, batch.length]), mask: makeMaskInfo(masks, clones) };
  };
}

/** `--modality audio --algo v2`: presets tiny, small, base (see `presets-v2.ts`). */
export const audioV2Recipe: Recipe<AudioV2Config, AudioData> = {
  modality: 'audio',
  algo: 'v2',
  presets: Object.keys(AUDIO_V2_PRESETS),

  config(preset: string, overrides: RunOverrides = {}): AudioV2Config {
    return applyOverrides(presetFor(AUDIO_V2_PRESETS, preset, 'audio', 'v2'), overrides);
  },

  loadData: loadAudioData,

  build(config: AudioV2Config, data: AudioData): PretrainSetup<V2Batch> {
    const model = buildAudioV2(config);
    return { objective: model, batches: audioV2Batches(config, data.dataset.train, model.encoder.modality), encoder: model.encoder };
  },

  features(encoder: Module, config: AudioV2Config, data: AudioData, split: 'train' | 'test', onProgress?: (done: number, total: number) => void): LabelledFeatures {
    return audioClipFeatures(encoder as V2Backbone<AudioEncoderV2>, data.dataset[split], config.audio.maxSampleSize, onProgress);
  },

  labelledSplit(config: AudioV2Config, data: AudioData, split: 'train' | 'test'): LabelledSplit {
    return audioLabelledSplit(data.dataset[split], config.audio.maxSampleSize);
  },
};
