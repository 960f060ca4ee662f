/**
 * HF `Data2VecTextModel` ↔ {@link TextEncoderV1} (spec §1.4; transformers
 * `modeling_data2vec_text.py`, the RoBERTa layout): word, position (from
 * `pad_token_id + 1`) and token type embeddings, post-LN blocks, the pooler; and the
 * forward pass in HF's names (`input_ids`, `attention_mask`, optional `token_type_ids`).
 */
import * as tf from '@tensorflow/tfjs';
import { TextEncoderV1, TextEncoderV1Config } from '../modalities/text/encoder-v1';
import { HfConfig, HfConfigReader } from './hf-config';
import { HfBuffer, HfModality, hfClassFields, hiddenOutputs, requireInput, ZeroTensor } from './hf-modality';
import { norm, SAME, TensorMapping, weightAndBias } from './layouts';

export const textHf: HfModality<TextEncoderV1Config, TextEncoderV1> = {
  modality: 'text',
  modelType: 'data2vec-text',
  className: 'Data2VecTextModel',

  fromHf(hf: HfConfig, source: string): TextEncoderV1Config {
    const r = new HfConfigReader(hf, source);
    r.gelu('hidden_act');
    const positionType = r.str('position_embedding_type', 'absolute');
    if (positionType !== 'absolute') r.refuse('position_embedding_type', positionType, 'only learned absolute positions (the RoBERTa layout) are supported');
    const padIdx = r.int('pad_token_id', 1);
    const tablePositions = r.int('max_position_embeddings', 512);
    if (tablePositions <= padIdx + 1) r.refuse('max_position_embeddings', tablePositions, `the position table needs more than pad_token_id + 1 = ${padIdx + 1} rows`);
    return {
      vocabSize: r.int('vocab_size'), padIdx, dim: r.int('hidden_size'), depth: r.int('num_hidden_layers'),
      heads: r.int('num_attention_heads'), ffnDim: r.int('intermediate_size'), maxPositions: tablePositions - padIdx - 1,
      dropout: r.num('hidden_dropout_prob', 0.1), attnDropout: r.num('attention_probs_dropout_prob', 0.1), activationDropout: 0,
      layerdrop: 0, eps: r.num('layer_norm_eps', 1e-12), typeVocabSize: r.int('type_vocab_size', 2), pooler: true,
    };
  },

  toHf(c: TextEncoderV1Config, base: HfConfig): HfConfig {
    return {
      ...base,
      ...hfClassFields(this, base),
      vocab_size: c.vocabSize, pad_token_id: c.padIdx, hidden_size: c.dim, num_hidden_layers: c.depth, num_attention_heads: c.heads,
      intermediate_size: c.ffnDim, max_position_embeddings: c.maxPositions + c.padIdx + 1, hidden_act: 'gelu',
      hidden_dropout_prob: c.dropout, attention_probs_dropout_prob: c.attnDropout, layer_norm_eps: c.eps,
      type_vocab_size: c.typeVocabSize || 1, position_embedding_type: 'absolute',
    };
  },

  build: (c, rng) => new TextEncoderV1(c, rng),

  mappings(c: TextEncoderV1Config): TensorMapping[] {
    const m: TensorMapping[] = [
      { hf: 'embeddings.word_embeddings.weight', ours: 'embeddings.word_embeddings.weight', layout: SAME },
      { hf: 'embeddings.position_embeddings.weight', ours: 'embeddings.position_embeddings.weight', layout: SAME },
      ...norm('embeddings.LayerNorm', 'embeddings.LayerNorm'),
    ];
    if (c.typeVocabSize) m.push({ hf: 'embeddings.token_type_embeddings.weight', ours: 'embeddings.token_type_embeddings.weight', layout: SAME });
    for (let i = 0; i < c.depth; i++) {
      const hfL = `encoder.layer.${i}`;
      const l = `encoder.layers.${i}`;
      m.push(
        ...weightAndBias(`${hfL}.attention.self.query`, `${l}.attn.q_proj`),
        ...weightAndBias(`${hfL}.attention.self.key`, `${l}.attn.k_proj`),
        ...weightAndBias(`${hfL}.attention.self.value`, `${l}.attn.v_proj`),
        ...weightAndBias(`${hfL}.attention.output.dense`, `${l}.attn.out_proj`),
        ...norm(`${hfL}.attention.output.LayerNorm`, `${l}.norm1`),
        ...weightAndBias(`${hfL}.intermediate.dense`, `${l}.mlp.fc1`),
        ...weightAndBias(`${hfL}.output.dense`, `${l}.mlp.fc2`),
        ...norm(`${hfL}.output.LayerNorm`, `${l}.norm2`),
      );
    }
    if (c.pooler) m.push(...weightAndBias('pooler.dense', 'pooler.dense'));
    return m;
  },

  /** A run trained here has no token types and no pooler: zeros add nothing to the embeddings, and the pooler gives 0. */
  zeros(c: TextEncoderV1Config): ZeroTensor[] {
    const z: ZeroTensor[] = [];
    if (!c.typeVocabSize) z.push({ hf: 'embeddings.token_type_embeddings.weight', shape: [1, c.dim] });
    if (!c.pooler) z.push({ hf: 'pooler.dense.weight', shape: [c.dim, c.dim] }, { hf: 'pooler.dense.bias', shape: [c.dim] });
    return z;
  },

  buffers(c: TextEncoderV1Config): HfBuffer[] {
    const rows = c.maxPositions + c.padIdx + 1;
    return [
      { hf: 'embeddings.position_ids', shape: [1, rows], values: Int32Array.from({ length: rows }, (_, i) => i) },
      { hf: 'embeddings.token_type_ids', shape: [1, rows], values: new Int32Array(rows) },
    ];
  },

  encode(encoder: TextEncoderV1, inputs, masked, source) {
    if (masked) throw new Error(`--masked does not apply to text: Data2VecTextModel takes no mask input (write <mask> ids into input_ids instead); ${source} was not encoded.`);
    const ids = tf.cast(requireInput(inputs, 'input_ids', source), 'int32');
    const attention = inputs.get('attention_mask');
    const padMask = attention ? tf.sub(1, tf.cast(attention, 'float32')) : undefined;
    const types = inputs.get('token_type_ids');
    const s = encoder.forwardStates(ids, { padMask }, types ? tf.cast(types, 'int32') : undefined);
    const out = hiddenOutputs(s.hidden, s.hidden[s.hidden.length - 1]);
    if (s.pooled) out.set('pooler_output', s.pooled);
    return out;
  },
};
