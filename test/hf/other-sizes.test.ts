/**
 * Sizes other than the fixture's, read from config.json: for each modality a
 * random model at a different size (non-square image with a per-layer bias table;
 * a three-layer conv stack with conv bias; another vocabulary, pad id and two token
 * types) goes out as an HF folder, in F32, F16, BF16 or sharded, and comes back
 * through import-hf with the same parameters, the same encode outputs, and an
 * export identical to what was written.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { importHf } from '../../src/hf/import-hf';
import { exportHf } from '../../src/hf/export-hf';
import { encodeHf } from '../../src/hf/encode-hf';
import { HfConfig } from '../../src/hf/hf-config';
import { HfModality } from '../../src/hf/hf-modality';
import { visionHf } from '../../src/hf/vision';
import { audioHf } from '../../src/hf/audio';
import { textHf } from '../../src/hf/text';
import { readSafetensors } from '../../src/train/safetensors';
import { Rng } from '../../src/util/rng';
import { hfTensors, randomizeExactly, writeHfFolder } from './hf-folder-writer';
import { tempPath } from './fixture';

interface Case {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  hf: HfModality<any, any>;
  config: HfConfig;
  inputs: () => Map<string, tf.Tensor>;
  dtype: 'F32' | 'F16' | 'BF16';
  shards: number;
}

const CASES: Case[] = [
  {
    name: 'vision 12x8x2, patch 4, dim 24, 2 layers, 3 heads, per-layer bias, absolute positions, no layer scale',
    hf: visionHf, dtype: 'BF16', shards: 1,
    config: {
      model_type: 'data2vec-vision', image_size: [12, 8], patch_size: 4, num_channels: 2, hidden_size: 24, num_hidden_layers: 2,
      num_attention_heads: 3, intermediate_size: 40, hidden_act: 'gelu', layer_norm_eps: 1e-5, use_mask_token: true,
      use_absolute_position_embeddings: true, use_relative_position_bias: true, use_shared_relative_position_bias: false,
      layer_scale_init_value: 0, use_mean_pooling: false,
    },
    inputs: () => new Map([['pixel_values', tf.randomNormal([2, 2, 12, 8], 0, 1, 'float32', 3)], ['bool_masked_pos', tf.tensor2d([[1, 0, 0, 1, 0, 1], [0, 1, 1, 0, 0, 0]], [2, 6], 'int32')]]),
  },
  {
    name: 'audio with 3 conv layers (24, 16, 16 channels) with bias, dim 32, 3 positional conv layers of kernel 5 in 4 groups',
    hf: audioHf, dtype: 'F16', shards: 3,
    config: {
      model_type: 'data2vec-audio', conv_dim: [24, 16, 16], conv_kernel: [8, 4, 3], conv_stride: [4, 2, 2], conv_bias: true,
      num_feat_extract_layers: 3, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 48,
      num_conv_pos_embeddings: 3, conv_pos_kernel_size: 5, num_conv_pos_embedding_groups: 4, layer_norm_eps: 1e-5, mask_time_prob: 0.05,
    },
    inputs: () => new Map([['input_values', tf.randomNormal([2, 400], 0, 1, 'float32', 4)], ['mask_time_indices', tf.tensor2d(Int32Array.from({ length: 46 }, (_, i) => Number(i % 7 < 2)), [2, 23], 'int32')]]),
  },
  {
    name: 'text with vocab 50, pad id 0, 2 token types, 30 positions, eps 1e-12',
    hf: textHf, dtype: 'F32', shards: 2,
    config: {
      model_type: 'data2vec-text', vocab_size: 50, pad_token_id: 0, hidden_size: 16, num_hidden_layers: 3, num_attention_heads: 4,
      intermediate_size: 20, max_position_embeddings: 30, type_vocab_size: 2, layer_norm_eps: 1e-12, hidden_act: 'gelu',
    },
    inputs: () => new Map([['input_ids', tf.tensor2d([[5, 9, 11, 3, 0, 0], [7, 2, 4, 8, 12, 6]], [2, 6], 'int32')], ['attention_mask', tf.tensor2d([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], [2, 6], 'int32')], ['token_type_ids', tf.tensor2d([[0, 0, 1, 1, 0, 0], [0, 1, 0, 1, 0, 1]], [2, 6], 'int32')]]),
  },
];

describe('Hugging Face interop at sizes read from config.json', function () {
  this.timeout(120000);

  for (const c of CASES) {
    it(`${c.name}: ${c.dtype}${c.shards > 1 ? `, ${c.shards} shards` : ''} import, encode and export agree with the model written`, async () => {
      const model = c.hf.fromHf(c.config, 'config.json');
      const encoder = c.hf.build(model, new Rng('other-size'));
      randomizeExactly(encoder, c.name);
      encoder.eval();
      const tensors = hfTensors(c.hf, encoder, model, c.config);
      const dir = tempPath('hf');
      writeHfFolder(dir, c.config, tensors, c.dtype, c.shards);
      const run = tempPath('run');
      const s = await importHf(dir, run);
      expect(s.tensors).to.equal(tensors.size);
      expect(s.dtypes).to.deep.equal({ [c.dtype]: tensors.size });

      const inputs = c.inputs();
      for (const masked of c.hf.maskInput ? [false, true] : [false]) {
        const want = tf.tidy(() => Object.fromEntries(c.hf.encode(encoder, inputs, masked, 'inputs')) as Record<string, tf.Tensor>);
        const got = await encodeHf(run, inputs, { masked });
        expect([...got.keys()].sort()).to.deep.equal(Object.keys(want).sort());
        expect(got.has(`hidden_states.${model.depth}`)).to.equal(true);
        for (const [k, t] of got) {
          expect(t.shape, k).to.deep.equal(want[k].shape);
          expect(tf.max(tf.abs(tf.sub(t, want[k]))).dataSync()[0], k).to.equal(0);
        }
        got.forEach((t) => t.dispose());
        Object.values(want).forEach((t) => t.dispose());
      }

      const out = tempPath('export');
      await exportHf(run, out);
      const exported = readSafetensors(path.join(out, 'model.safetensors')).tensors;
      expect([...exported.keys()].sort()).to.deep.equal([...tensors.keys()].sort());
      for (const [k, t] of tensors) expect(Array.from(exported.get(k)?.data ?? []), k).to.deep.equal(Array.from(t.data));
      const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
      for (const [k, v] of Object.entries(c.config)) expect(config[k], k).to.deep.equal(v);
      inputs.forEach((t) => t.dispose());
      encoder.dispose();
    });
  }
});
