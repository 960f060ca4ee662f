/**
 * HF `Data2VecAudioModel` ↔ {@link AudioEncoderV1} (spec §1.2; transformers
 * `modeling_data2vec_audio.py`): the conv stack read from the config (`conv_dim`,
 * `conv_kernel`, `conv_stride`, `conv_bias`), the positional conv layers
 * (`num_conv_pos_embeddings` layers of kernel `conv_pos_kernel_size`), `masked_spec_embed`
 * (present when `mask_time_prob` or `mask_feature_prob` is positive), and the forward
 * pass in HF's names (`input_values` in; `extract_features` and hidden states out).
 */
import * as tf from '@tensorflow/tfjs';
import { AudioEncoderV1, AudioEncoderV1Config } from '../modalities/audio/encoder-v1';
import { ConvLayerSpec } from '../modalities/audio/feature-extractor';
import { HfConfig, HfConfigReader } from './hf-config';
import { HfModality, hfClassFields, hiddenOutputs, requireInput } from './hf-modality';
import { norm, REVERSED, SAME, TensorMapping, weightAndBias } from './layouts';

/** HF builds `masked_spec_embed` only when some masking probability is positive. */
function hasMaskEmbed(hf: HfConfig): boolean {
  return Number(hf.mask_time_prob ?? 0.05) > 0 || Number(hf.mask_feature_prob ?? 0) > 0;
}

export const audioHf: HfModality<AudioEncoderV1Config, AudioEncoderV1> = {
  modality: 'audio',
  modelType: 'data2vec-audio',
  className: 'Data2VecAudioModel',
  maskInput: 'mask_time_indices',

  fromHf(hf: HfConfig, source: string): AudioEncoderV1Config {
    const r = new HfConfigReader(hf, source);
    r.gelu('hidden_act');
    r.gelu('feat_extract_activation');
    r.refuse('add_adapter', true, 'the adapter layers of Data2VecAudioModel are not part of this encoder');
    r.refuse('feat_extract_norm', 'group', 'Data2VecAudioModel uses a LayerNorm after every conv layer; group norm is a wav2vec 2.0 layout');
    const n = r.int('num_feat_extract_layers', (hf.conv_dim as unknown[] | undefined)?.length);
    const dims = r.intList('conv_dim', n);
    const kernels = r.intList('conv_kernel', n);
    const strides = r.intList('conv_stride', n);
    const posDepth = r.int('num_conv_pos_embeddings');
    const posKernel = r.int('conv_pos_kernel_size');
    if (posKernel < 3) r.refuse('conv_pos_kernel_size', posKernel, 'positional conv kernels below 3 are not supported');
    return {
      convLayers: dims.map((d, i): ConvLayerSpec => [d, kernels[i], strides[i]]), convBias: r.bool('conv_bias', false),
      dim: r.int('hidden_size'), depth: r.int('num_hidden_layers'), heads: r.int('num_attention_heads'), ffnDim: r.int('intermediate_size'),
      posConv: { width: posKernel * posDepth, depth: posDepth, groups: r.int('num_conv_pos_embedding_groups') },
      dropout: r.num('hidden_dropout', 0.1), attnDropout: r.num('attention_dropout', 0.1), activationDropout: r.num('activation_dropout', 0.1),
      layerdrop: r.num('layerdrop', 0.1), dropoutInput: r.num('feat_proj_dropout', 0), eps: r.num('layer_norm_eps', 1e-5),
    };
  },

  toHf(c: AudioEncoderV1Config, base: HfConfig): HfConfig {
    const kernel = Math.max(3, Math.floor(c.posConv.width / c.posConv.depth));
    return {
      ...base,
      ...hfClassFields(this, base),
      hidden_size: c.dim, num_hidden_layers: c.depth, num_attention_heads: c.heads, intermediate_size: c.ffnDim,
      hidden_act: 'gelu', feat_extract_activation: 'gelu', num_feat_extract_layers: c.convLayers.length,
      conv_dim: c.convLayers.map((l) => l[0]), conv_kernel: c.convLayers.map((l) => l[1]), conv_stride: c.convLayers.map((l) => l[2]),
      conv_bias: c.convBias, num_conv_pos_embeddings: c.posConv.depth, conv_pos_kernel_size: kernel,
      num_conv_pos_embedding_groups: c.posConv.groups, hidden_dropout: c.dropout, attention_dropout: c.attnDropout,
      activation_dropout: c.activationDropout, layerdrop: c.layerdrop, feat_proj_dropout: c.dropoutInput, layer_norm_eps: c.eps,
      mask_time_prob: base.mask_time_prob ?? 0.05, add_adapter: false,
    };
  },

  build: (c, rng) => new AudioEncoderV1(c, rng),

  mappings(c: AudioEncoderV1Config, hf: HfConfig): TensorMapping[] {
    const m: TensorMapping[] = [];
    c.convLayers.forEach((_, i) => {
      const p = `feature_extractor.conv_layers.${i}`;
      m.push(...weightAndBias(`${p}.conv`, `${p}.conv`, REVERSED, c.convBias), ...norm(`${p}.layer_norm`, `${p}.layer_norm`));
    });
    m.push(...norm('feature_projection.layer_norm', 'feature_projection.layer_norm'), ...weightAndBias('feature_projection.projection', 'feature_projection.projection'));
    if (hasMaskEmbed(hf)) m.push({ hf: 'masked_spec_embed', ours: 'masked_spec_embed.weight', layout: SAME });
    for (let i = 0; i < c.posConv.depth; i++) m.push(...weightAndBias(`encoder.pos_conv_embed.layers.${i}.conv`, `encoder.pos_conv_embed.layers.${i}.conv`));
    m.push(...norm('encoder.layer_norm', 'encoder.layer_norm'));
    for (let i = 0; i < c.depth; i++) {
      const hfL = `encoder.layers.${i}`;
      const l = `encoder.layers.${i}`;
      for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) m.push(...weightAndBias(`${hfL}.attention.${proj}`, `${l}.attn.${proj}`));
      m.push(
        ...norm(`${hfL}.layer_norm`, `${l}.norm1`),
        ...weightAndBias(`${hfL}.feed_forward.intermediate_dense`, `${l}.mlp.fc1`),
        ...weightAndBias(`${hfL}.feed_forward.output_dense`, `${l}.mlp.fc2`),
        ...norm(`${hfL}.final_layer_norm`, `${l}.norm2`),
      );
    }
    return m;
  },

  async checkInputs(inputs, source) {
    const attention = inputs.get('attention_mask');
    if (!attention) return;
    const least = tf.min(attention);
    const [value] = await least.data();
    least.dispose();
    if (value === 0) {
      throw new Error(`${source}: "attention_mask" marks padding, but the speech encoder takes unpadded batches; encode clips of different lengths one at a time.`);
    }
  },

  encode(encoder: AudioEncoderV1, inputs, masked, source) {
    const values = requireInput(inputs, 'input_values', source);
    const mask = masked ? tf.cast(requireInput(inputs, 'mask_time_indices', source), 'float32') : undefined;
    const s = encoder.forwardStates(values, { mask });
    const out = hiddenOutputs(s.hidden, s.hidden[s.hidden.length - 1]);
    if (s.extractFeatures) out.set('extract_features', s.extractFeatures);
    return out;
  },
};
