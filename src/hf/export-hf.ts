/**
 * `data2vec export-hf --run RUN --out DIR` (design "weights others can read"): the
 * student encoder of a data2vec 1.0 run as a Hugging Face folder (`config.json` +
 * `model.safetensors` with `format: pt` metadata) that `Data2Vec{Vision,Audio,Text}Model
 * .from_pretrained(DIR)` loads with no missing or unexpected keys. An imported run
 * exports its original config with the architecture fields rewritten from the run,
 * so import → export reproduces every tensor bit for bit and the same config values.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { SafetensorsEntry, writeSafetensors } from '../train/safetensors';
import { writeFileAtomic } from '../util/atomic-write';
import { HfConfig } from './hf-config';
import { loadRunEncoder } from './run-encoder';
import { checkOutputFolder, writeFolderAtomically } from './atomic-folder';

/** What {@link exportHf} wrote. */
export interface ExportHfSummary {
  out_dir: string;
  model_type: string;
  class_name: string;
  tensors: number;
  /** HF tensors the class needs that the run has no parameter for (written as zeros). */
  zero_tensors: string[];
}

/** The HF config and tensors (HF names and layouts) of a run's encoder. */
export async function hfStateOfRun(run: string): Promise<{ config: HfConfig; tensors: Map<string, SafetensorsEntry>; zeros: string[]; className: string }> {
  const { encoder, model, hf, hfConfig } = loadRunEncoder(run);
  try {
    const config = hf.toHf(model, hfConfig);
    const params = new Map(encoder.namedParameters());
    const tensors = new Map<string, SafetensorsEntry>();
    for (const m of hf.mappings(model, config)) {
      const p = params.get(m.ours);
      if (p === undefined) throw new Error(`${run}: the encoder has no parameter "${m.ours}" for HF tensor "${m.hf}".`);
      const t = tf.tidy(() => m.layout.toHf(p));
      tensors.set(m.hf, { data: (await t.data()) as Float32Array, shape: [...t.shape] });
      t.dispose();
    }
    const zeros = hf.zeros?.(model, config) ?? [];
    for (const z of zeros) tensors.set(z.hf, { data: new Float32Array(z.shape.reduce((a, b) => a * b, 1)), shape: z.shape });
    return { config, tensors, zeros: zeros.map((z) => z.hf), className: hf.className };
  } finally {
    encoder.dispose();
  }
}

/** Export the encoder of `run` to the new folder `out`; see the file header. */
export async function exportHf(run: string, out: string): Promise<ExportHfSummary> {
  checkOutputFolder(out, '--out');
  const { config, tensors, zeros, className } = await hfStateOfRun(run);
  await writeFolderAtomically(out, '--out', (tmp) => {
    writeFileAtomic(path.join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    writeSafetensors(path.join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
  });
  return { out_dir: out, model_type: String(config.model_type), class_name: className, tensors: tensors.size, zero_tensors: zeros };
}
