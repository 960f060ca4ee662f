/**
 * A stack of transformer blocks that returns every layer's results (spec §3.2:
 * targets average the top K layers), with optional layerdrop in train mode
 * (fairseq `encoder_layerdrop`, spec §1.2). A dropped layer passes its input on and
 * reports it as both of its results.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { TransformerBlock, TransformerBlockOptions, BlockOutput } from './transformer-block';
import { AttentionInputs } from './attention';
import { Rng } from '../util/rng';

export interface EncoderOutput {
  /** Output of the last block. */
  out: tf.Tensor;
  /** Per block, in order: FFN output before the last residual and end-of-block output. */
  layers: BlockOutput[];
}

export interface TransformerEncoderOptions extends Omit<TransformerBlockOptions, 'dropPath'> {
  depth: number;
  /** Stochastic depth rises linearly from 0 to this value across blocks (BEiT, spec §1.3). */
  dropPath?: number;
  /** Probability of skipping a whole block in train mode. */
  layerdrop?: number;
}

/** Inputs of {@link TransformerEncoder.forward}: the attention inputs, plus an optional bias per block. */
export interface EncoderForwardInputs extends AttentionInputs {
  /** One logit bias per block (BEiT fine-tuned checkpoints: a relative position bias table per layer); overrides `bias`. */
  layerBiases?: tf.Tensor[];
}

export class TransformerEncoder extends Module {
  readonly blocks: TransformerBlock[] = [];

  constructor(readonly options: TransformerEncoderOptions, private rng: Rng) {
    super();
    const { depth } = options;
    for (let i = 0; i < depth; i++) {
      const dropPath = depth > 1 ? ((options.dropPath ?? 0) * i) / (depth - 1) : 0;
      this.blocks.push(this.addChild(`layers.${i}`, new TransformerBlock({ ...options, dropPath }, rng)));
    }
  }

  protected override onReseed(rng: Rng): void {
    this.rng = rng.fork();
  }

  forward(x: tf.Tensor, inputs: EncoderForwardInputs = {}): EncoderOutput {
    const layers: BlockOutput[] = [];
    const layerdrop = this.training ? this.options.layerdrop ?? 0 : 0;
    const { layerBiases, ...shared } = inputs;
    for (const [i, block] of this.blocks.entries()) {
      if (layerdrop > 0 && this.rng.next() < layerdrop) {
        layers.push({ out: x, ffn: x });
        continue;
      }
      const r = block.forward(x, layerBiases ? { ...shared, bias: layerBiases[i] } : shared);
      layers.push(r);
      x = r.out;
    }
    return { out: x, layers };
  }
}
