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
import { Rng } from '../../util/rng';
import { defineRecipe, v2Model } from '../define-recipe';
import { Data2VecV2 } from '../../data2vec/data2vec-v2';
import { V2Backbone } from '../../data2vec/v2-backbone';
import { Decoder1d } from '../../nn/decoder-1d';
import { AudioEncoderV2, audioBackboneV2 } from './encoder-v2';
import { AudioData, audioClipsOf, audioSplitFeatures, audioStreamOf, loadAudioData } from './recipe-v1';
import { audioV2Batches } from './batches';
import { audioLabelledSplit } from './labelled-split';
import { AUDIO_V2_PRESETS, AudioV2Config } from './presets-v2';

/** `--modality audio --algo v2`: presets tiny, small, base (see `presets-v2.ts`). */
export const audioV2Recipe = defineRecipe({
  modality: 'audio',
  algo: 'v2',
  presets: AUDIO_V2_PRESETS,
  loadData: loadAudioData,
  model: v2Model(
    (config: AudioV2Config, rng: Rng) => audioBackboneV2(config.model, rng),
    (config: AudioV2Config, rng: Rng) => new Decoder1d(config.decoder, config.model.dim, rng),
  ),
  batches: (config: AudioV2Config, data: AudioData, model: Data2VecV2<AudioEncoderV2, Decoder1d>) => audioV2Batches(config, data.dataset.train, model.encoder.modality, audioStreamOf(config, data)),
  features: (encoder, config, data, split, onProgress) => audioSplitFeatures(encoder as V2Backbone<AudioEncoderV2>, config, data, split, onProgress),
  labelledSplit: (config, data, split) => audioLabelledSplit(audioClipsOf(data, split), config.audio.maxSampleSize),
});

/** The v2 speech model of a config (random init from `config.seed`). */
export const buildAudioV2 = (config: AudioV2Config) => audioV2Recipe.model(config);
