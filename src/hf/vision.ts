/**
 * HF `Data2VecVisionModel` ↔ {@link ImageEncoderV1} (spec §1.3; transformers
 * `modeling_data2vec_vision.py`): config fields, tensor names and layouts, and the
 * forward pass in HF's names (`pixel_values` NCHW in; hidden states with CLS out).
 * Covers the released layouts: shared or per-layer relative position bias, absolute
 * positions or not, layer scale or not, mean pooling (`pooler.layernorm`) or a final
 * `layernorm`, with or without the mask token.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageEncoderV1, ImageEncoderV1Config } from '../modalities/image/encoder-v1';
import { HfConfig, HfConfigReader } from './hf-config';
import { HfBuffer, HfModality, hfClassFields, hiddenOutputs, requireInput } from './hf-modality';
import { relativePositionIndex } from '../nn/relative-position-bias';
import { norm, patchConv, SAME, TensorMapping, weightAndBias, withLeadingOnes } from './layouts';

function imageSize(r: HfConfigReader): [number, number] {
  const v = r.config.image_size;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x > 0)) return [v[0], v[1]];
  const s = r.int('image_size', 224);
  return [s, s];
}

export const visionHf: HfModality<ImageEncoderV1Config, ImageEncoderV1> = {
  modality: 'image',
  modelType: 'data2vec-vision',
  className: 'Data2VecVisionModel',
  maskInput: 'bool_masked_pos',

  fromHf(hf: HfConfig, source: string): ImageEncoderV1Config {
    const r = new HfConfigReader(hf, source);
    r.gelu('hidden_act');
    const dim = r.int('hidden_size');
    const shared = r.bool('use_shared_relative_position_bias', false);
    const perLayer = r.bool('use_relative_position_bias', false);
    if (shared && perLayer) r.refuse('use_relative_position_bias', true, 'a shared and a per-layer relative position bias together are not supported');
    return {
      imageSize: imageSize(r), channels: r.int('num_channels', 3), patchSize: r.int('patch_size', 16), dim,
      depth: r.int('num_hidden_layers'), heads: r.int('num_attention_heads'), mlpRatio: r.int('intermediate_size') / dim,
      layerScale: r.num('layer_scale_init_value', 0.1), dropPath: r.num('drop_path_rate', 0.1),
      attnDropout: r.num('attention_probs_dropout_prob', 0), sharedRelPosBias: shared, layerRelPosBias: perLayer,
      absPosEmbed: r.bool('use_absolute_position_embeddings', false), eps: r.num('layer_norm_eps', 1e-12),
      meanPooling: r.bool('use_mean_pooling', true),
    };
  },

  toHf(c: ImageEncoderV1Config, base: HfConfig): HfConfig {
    const [h, w] = c.imageSize;
    return {
      ...base,
      ...hfClassFields(this, base),
      hidden_size: c.dim, num_hidden_layers: c.depth, num_attention_heads: c.heads, intermediate_size: Math.round(c.dim * c.mlpRatio),
      hidden_act: 'gelu', image_size: h === w && !Array.isArray(base.image_size) ? h : [h, w], patch_size: c.patchSize, num_channels: c.channels,
      use_mask_token: base.use_mask_token ?? true, use_absolute_position_embeddings: c.absPosEmbed,
      use_relative_position_bias: c.layerRelPosBias === true, use_shared_relative_position_bias: c.sharedRelPosBias,
      layer_scale_init_value: c.layerScale, drop_path_rate: c.dropPath, attention_probs_dropout_prob: c.attnDropout,
      use_mean_pooling: c.meanPooling === true, layer_norm_eps: c.eps,
    };
  },

  build: (c, rng) => new ImageEncoderV1(c, rng),

  mappings(c: ImageEncoderV1Config, hf: HfConfig): TensorMapping[] {
    const m: TensorMapping[] = [
      { hf: 'embeddings.cls_token', ours: 'cls_token', layout: SAME },
      ...weightAndBias('embeddings.patch_embeddings.projection', 'patch_embed.proj', patchConv(c.patchSize, c.channels)),
    ];
    if (hf.use_mask_token === true) m.push({ hf: 'embeddings.mask_token', ours: 'mask_token.weight', layout: withLeadingOnes(2) });
    if (c.absPosEmbed) m.push({ hf: 'embeddings.position_embeddings', ours: 'pos_embed.weight', layout: withLeadingOnes(1) });
    const table = 'relative_position_bias.relative_position_bias_table';
    if (c.sharedRelPosBias) m.push({ hf: `encoder.${table}`, ours: 'rel_pos_bias.relative_position_bias_table', layout: SAME });
    for (let i = 0; i < c.depth; i++) {
      const hfL = `encoder.layer.${i}`;
      const l = `blocks.layers.${i}`;
      m.push(
        ...weightAndBias(`${hfL}.attention.attention.query`, `${l}.attn.q_proj`),
        ...weightAndBias(`${hfL}.attention.attention.key`, `${l}.attn.k_proj`, undefined, false),
        ...weightAndBias(`${hfL}.attention.attention.value`, `${l}.attn.v_proj`),
        ...weightAndBias(`${hfL}.attention.output.dense`, `${l}.attn.out_proj`),
        ...norm(`${hfL}.layernorm_before`, `${l}.norm1`),
        ...norm(`${hfL}.layernorm_after`, `${l}.norm2`),
        ...weightAndBias(`${hfL}.intermediate.dense`, `${l}.mlp.fc1`),
        ...weightAndBias(`${hfL}.output.dense`, `${l}.mlp.fc2`),
      );
      if (c.layerScale > 0) m.push({ hf: `${hfL}.lambda_1`, ours: `${l}.gamma_1`, layout: SAME }, { hf: `${hfL}.lambda_2`, ours: `${l}.gamma_2`, layout: SAME });
      if (c.layerRelPosBias) m.push({ hf: `${hfL}.attention.attention.${table}`, ours: `layer_rel_pos_bias.${i}.relative_position_bias_table`, layout: SAME });
    }
    m.push(...(c.meanPooling ? norm('pooler.layernorm', 'pooler_norm') : norm('layernorm', 'norm')));
    return m;
  },

  buffers(c: ImageEncoderV1Config): HfBuffer[] {
    const [h, w] = c.imageSize;
    const [gh, gw] = [h / c.patchSize, w / c.patchSize];
    const values = relativePositionIndex(gh, gw);
    const shape = [gh * gw + 1, gh * gw + 1];
    const index = 'relative_position_bias.relative_position_index';
    const out: HfBuffer[] = [];
    if (c.sharedRelPosBias) out.push({ hf: `encoder.${index}`, shape, values });
    if (c.layerRelPosBias) for (let i = 0; i < c.depth; i++) out.push({ hf: `encoder.layer.${i}.attention.attention.${index}`, shape, values });
    return out;
  },

  encode(encoder: ImageEncoderV1, inputs, masked, source) {
    const pixels = requireInput(inputs, 'pixel_values', source);
    const mask = masked ? tf.cast(requireInput(inputs, 'bool_masked_pos', source), 'float32') : undefined;
    const s = encoder.forwardStates(pixels.transpose([0, 2, 3, 1]), { mask });
    const out = hiddenOutputs(s.hidden, s.last);
    out.set('pooler_output', s.pooled);
    return out;
  },
};
