/**
 * What each modality provides for Hugging Face interop (design "weights others can
 * read"): the HF `model_type` and class, the config mapping both ways, the tensor
 * name mapping, the encoder builder, and the forward pass in HF's output names.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Rng } from '../util/rng';
import { HfConfig } from './hf-config';
import { TensorMapping } from './layouts';

export type HfModalityName = 'image' | 'audio' | 'text';

/** An HF tensor required by the class that this encoder has no parameter for: exported as zeros of `shape`. */
export interface ZeroTensor {
  hf: string;
  shape: number[];
}

/**
 * A buffer that older transformers versions saved with the weights (persistent
 * `relative_position_index`, `position_ids`): never trained, fully determined by the
 * config. Import checks it against these values; export leaves it out, as current
 * transformers does.
 */
export interface HfBuffer {
  hf: string;
  shape: number[];
  values: Int32Array;
}

/** HF inputs by name (`pixel_values`, `input_values`, `input_ids`, …), as tensors. */
export type HfInputs = Map<string, tf.Tensor>;

export interface HfModality<C = unknown, E extends Module = Module> {
  modality: HfModalityName;
  /** HF `model_type`, e.g. "data2vec-vision". */
  modelType: string;
  /** The HF base model class, e.g. "Data2VecVisionModel". */
  className: string;
  /** Encoder config from an HF config (every size from the config; errors name `source` and the field). */
  fromHf(hf: HfConfig, source: string): C;
  /** HF config for an encoder config, on top of `base` (the imported config, or an empty object). */
  toHf(config: C, base: HfConfig): HfConfig;
  build(config: C, rng: Rng): E;
  /** The tensors of the HF class for this encoder and HF config. */
  mappings(config: C, hf: HfConfig): TensorMapping[];
  /** HF tensors the class requires that this encoder does not have (exported as zeros). */
  zeros?(config: C, hf: HfConfig): ZeroTensor[];
  /** Buffers an older save may hold, with the values the config implies. */
  buffers?(config: C, hf: HfConfig): HfBuffer[];
  /** HF input name of the mask `--masked` uses, if the class takes one. */
  maskInput?: string;
  /** Check inputs whose values matter before {@link encode} (awaited reads, no synchronous read); throws one sentence naming `source`. */
  checkInputs?(inputs: HfInputs, source: string): Promise<void>;
  /** Run the encoder (eval mode) on HF inputs; outputs in HF names and layouts. */
  encode(encoder: E, inputs: HfInputs, masked: boolean, source: string): Map<string, tf.Tensor>;
}

/** The input `name`, or a one-line error naming the file. */
export function requireInput(inputs: HfInputs, name: string, source: string): tf.Tensor {
  const t = inputs.get(name);
  if (t === undefined) throw new Error(`${source} has no tensor "${name}"; it holds ${[...inputs.keys()].join(', ') || 'no tensors'}.`);
  return t;
}

/** HF output names for a list of hidden states: `hidden_states.0..N` and `last_hidden_state`. */
export function hiddenOutputs(hidden: tf.Tensor[], last: tf.Tensor): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  hidden.forEach((h, i) => out.set(`hidden_states.${i}`, h));
  out.set('last_hidden_state', last);
  return out;
}

/**
 * The class fields of an exported HF config: `architectures` as the imported config
 * (`base`) has them, else the modality's base class, and its `model_type`.
 */
export function hfClassFields(m: Pick<HfModality, 'className' | 'modelType'>, base: HfConfig): HfConfig {
  return { architectures: 'architectures' in base ? base.architectures : [m.className], model_type: m.modelType };
}
