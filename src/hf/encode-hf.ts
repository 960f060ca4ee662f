/**
 * `data2vec encode --run RUN --input IN.safetensors --out OUT.safetensors [--masked]`
 * (design "weights others can read"): run a data2vec 1.0 run's encoder, in eval
 * mode, on inputs in HF's names and layouts, and write what the HF base model
 * returns with `output_hidden_states=True`: `hidden_states.0..N`, `last_hidden_state`
 * ([batch, tokens, dim]) and `pooler_output` or `extract_features` where the class has
 * one. Comparing this file with transformers' outputs checks a port.
 */
import * as tf from '@tensorflow/tfjs';
import { loadSafetensors, saveSafetensors } from '../train/safetensors';
import { loadRunEncoder } from './run-encoder';

/** Encode HF inputs (by name) with the encoder of `run`; the caller disposes the outputs. No synchronous tensor read. */
export async function encodeHf(run: string, inputs: Map<string, tf.Tensor>, options: { masked?: boolean; source?: string } = {}): Promise<Map<string, tf.Tensor>> {
  const source = options.source ?? 'the inputs';
  const { encoder, hf } = loadRunEncoder(run);
  try {
    await hf.checkInputs?.(inputs, source);
    const kept = tf.tidy(() => Object.fromEntries(hf.encode(encoder, inputs, options.masked === true, source)) as Record<string, tf.Tensor>);
    return new Map(Object.entries(kept));
  } finally {
    encoder.dispose();
  }
}

/** What {@link encodeHfFile} wrote. */
export interface EncodeHfSummary {
  out: string;
  outputs: Record<string, number[]>;
}

/** Read `input` (safetensors), encode it with the run's encoder and write `out` (safetensors). */
export async function encodeHfFile(run: string, input: string, out: string, masked = false): Promise<EncodeHfSummary> {
  const { tensors } = loadSafetensors(input);
  try {
    const outputs = await encodeHf(run, tensors, { masked, source: input });
    try {
      await saveSafetensors(out, outputs, { format: 'pt' });
      return { out, outputs: Object.fromEntries([...outputs].map(([n, t]) => [n, [...t.shape]])) };
    } finally {
      outputs.forEach((t) => t.dispose());
    }
  } finally {
    tensors.forEach((t) => t.dispose());
  }
}
