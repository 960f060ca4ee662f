/**
 * The student encoder of a data2vec 1.0 run folder (its config.json and
 * checkpoint), as export-hf and encode use it.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { readRunConfig, readRunIdentity } from '../run/pretrain';
import { checkpointPath, CHECKPOINT_FORMAT } from '../train/checkpoint';
import { loadSafetensors } from '../train/safetensors';
import { Module } from '../nn/module';
import { Rng } from '../util/rng';
import { HfConfig } from './hf-config';
import { HfModality } from './hf-modality';
import { hfModalityFor } from './modalities';

/** A run's encoder, its architecture and (for imported runs) the HF config it came from. */
export interface RunEncoder {
  encoder: Module;
  model: unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  hf: HfModality<any, any>;
  /** The imported HF config (`hf` in the run config), or an empty object for runs trained here. */
  hfConfig: HfConfig;
}

/** Build the student encoder of `run` and load its weights (eval mode). */
export function loadRunEncoder(run: string): RunEncoder {
  const identity = readRunIdentity(run);
  if (identity.algo !== 'v1') {
    throw new Error(`${run} is a data2vec 2.0 ${identity.modality} run; Hugging Face transformers has no class for the data2vec 2.0 encoders (fixed sin-cos positions, ALiBi or convolutional position stacks without the 1.0 layout), so only data2vec 1.0 runs are exported and encoded.`);
  }
  const config = readRunConfig(run) as ReturnType<typeof readRunConfig> & { model?: unknown; hf?: HfConfig };
  const hf = hfModalityFor(config.modality);
  const file = checkpointPath(run);
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist; pass a run folder written by "data2vec pretrain" or "data2vec import-hf".`);
  const encoder = hf.build(config.model, new Rng('hf:load'));
  const { tensors, metadata } = loadSafetensors(file);
  try {
    if (metadata.format !== CHECKPOINT_FORMAT) throw new Error(`${file} is not a data2vec-ts checkpoint (metadata format ${JSON.stringify(metadata.format)}).`);
    encoder.loadStateDict(tensors, 'model.encoder');
  } finally {
    tensors.forEach((t: tf.Tensor) => t.dispose());
  }
  encoder.eval();
  return { encoder, model: config.model, hf, hfConfig: config.hf ?? {} };
}
