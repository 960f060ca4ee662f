/**
 * Layer-wise LR decay (spec §6): layer ids and scales against hand-computed values for
 * each encoder layout, and on a real tiny model's parameter names.
 */
import { expect } from 'chai';
import { blockCount, layerDecayScales, layerId } from '../../src/finetune/layer-decay';
import { getRecipe } from '../../src/modalities/registry';

describe('layer-wise LR decay', () => {
  it('gives embeddings id 0, block i id i+1, final norm and head id depth+1 (v1 image layout)', () => {
    const names = [
      'encoder.cls_token', 'encoder.patch_embed.proj.weight', 'encoder.pos_embed.weight', 'encoder.rel_pos_bias.relative_position_bias_table',
      'encoder.blocks.layers.0.attn.q_proj.weight', 'encoder.blocks.layers.1.mlp.fc1.bias', 'encoder.blocks.layers.2.norm1.weight', 'encoder.blocks.layers.3.gamma_1',
      'encoder.norm.weight', 'fc_norm.weight', 'head.weight', 'head.bias',
    ];
    expect(blockCount(names)).to.equal(4);
    expect(names.map((n) => layerId(n, 4))).to.deep.equal([0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5]);
    // decay 0.5, depth 4: scale = 0.5^(5 − id)
    const s = layerDecayScales(names, 0.5);
    expect(s.get('encoder.cls_token')).to.equal(0.03125);
    expect(s.get('encoder.patch_embed.proj.weight')).to.equal(0.03125);
    expect(s.get('encoder.blocks.layers.0.attn.q_proj.weight')).to.equal(0.0625);
    expect(s.get('encoder.blocks.layers.1.mlp.fc1.bias')).to.equal(0.125);
    expect(s.get('encoder.blocks.layers.2.norm1.weight')).to.equal(0.25);
    expect(s.get('encoder.blocks.layers.3.gamma_1')).to.equal(0.5);
    expect(s.get('encoder.norm.weight')).to.equal(1);
    expect(s.get('head.weight')).to.equal(1);
    expect(s.get('fc_norm.weight')).to.equal(1);
  });

  it('handles the speech v1 stack (encoder.layers.i) and the v2 prenet (before the blocks)', () => {
    const names = [
      'encoder.feature_extractor.conv_layers.0.conv.weight', 'encoder.encoder.pos_conv_embed.layers.0.conv.weight', 'encoder.encoder.layer_norm.weight',
      'encoder.encoder.layers.0.attn.q_proj.weight', 'encoder.encoder.layers.1.attn.q_proj.weight', 'head.weight',
    ];
    // Inside the classifier prefix `encoder.`, the speech encoder's own `encoder.layers.i` is the block stack.
    const s = layerDecayScales(names, 0.8);
    expect(blockCount(names)).to.equal(2);
    expect(s.get('encoder.feature_extractor.conv_layers.0.conv.weight')).to.be.closeTo(0.8 ** 3, 1e-12);
    expect(s.get('encoder.encoder.layer_norm.weight')).to.be.closeTo(0.8 ** 3, 1e-12);
    expect(s.get('encoder.encoder.layers.0.attn.q_proj.weight')).to.be.closeTo(0.8 ** 2, 1e-12);
    expect(s.get('encoder.encoder.layers.1.attn.q_proj.weight')).to.be.closeTo(0.8, 1e-12);
    expect(s.get('head.weight')).to.equal(1);
    const v2 = ['encoder.modality_encoder.context_encoder.blocks.layers.0.attn.q_proj.weight', 'encoder.blocks.layers.0.mlp.fc1.weight', 'encoder.blocks.layers.2.mlp.fc1.weight'];
    expect(v2.map((n) => layerId(n, 3))).to.deep.equal([0, 1, 3]);
    expect(() => layerDecayScales(names, 0)).to.throw('layerDecay must be in (0, 1]');
    expect([...layerDecayScales(names, 1).values()].every((v) => v === 1)).to.equal(true);
  });

  it('on the tiny text v2 encoder: 4 blocks, embeddings at decay^5', () => {
    const recipe = getRecipe('text', 'v2');
    const config = recipe.config('tiny');
    const setup = recipe.build(config, recipe.loadData(config));
    const names = [...setup.encoder.namedTrainableParameters('encoder').map(([n]) => n), 'head.weight'];
    setup.objective.dispose();
    const s = layerDecayScales(names, 0.75);
    expect(blockCount(names)).to.equal(4);
    expect(s.get('encoder.modality_encoder.local_encoder.word_embeddings.weight')).to.be.closeTo(0.75 ** 5, 1e-12);
    expect(s.get('encoder.blocks.layers.3.mlp.fc2.weight')).to.be.closeTo(0.75, 1e-12);
  });
});
