/**
 * `data2vec import-hf DIR --out RUN` (design "weights others can read"): read a
 * Hugging Face data2vec folder, build the matching data2vec 1.0 encoder from the
 * config's sizes, load every tensor (each one must be consumed: the key biases do
 * not change any output, so only this check proves they were loaded; buffers that
 * older transformers versions saved are checked against the values the config
 * implies), and write a
 * run folder (config.json in the run-config format, checkpoint.safetensors with the
 * student, a fresh regression head, the teacher equal to the student and fresh
 * optimizer state) that probe, features, `pretrain --resume` and the notebooks accept. Nothing is written unless all of it succeeds.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { getRecipe } from '../modalities/registry';
import { Data2VecV1, Data2VecV1Config } from '../data2vec/data2vec-v1';
import { BaseRunConfig } from '../modalities/recipe';
import { scaledBlockMaskParams } from '../masking/block-mask-2d';
import { MaskedEncoder } from '../data2vec/encoder-contract';
import { Trainer } from '../train/trainer';
import { writeFileAtomic } from '../util/atomic-write';
import { Module } from '../nn/module';
import { Rng } from '../util/rng';
import { SafetensorsReadEntry } from '../train/safetensors';
import { readHfFolder } from './hf-folder';
import { hfModalityForModelType } from './modalities';
import { TensorMapping } from './layouts';
import { HfBuffer } from './hf-modality';
import { checkOutputFolder, writeFolderAtomically } from './atomic-folder';

/** What {@link importHf} did. */
export interface ImportHfSummary {
  run_dir: string;
  modality: string;
  model_type: string;
  tensors: number;
  parameters: number;
  /** Stored dtypes of the file's tensors, with counts (e.g. `{ "F32": 75 }`). */
  dtypes: Record<string, number>;
  weight_files: string[];
}

const listNames = (names: string[]) => `${names.slice(0, 6).map((n) => `"${n}"`).join(', ')}${names.length > 6 ? ` and ${names.length - 6} more` : ''}`;

/**
 * Load HF tensors into `encoder` by `mappings`; throws one line naming the tensors
 * that are missing, have the wrong shape or dtype, or are not consumed.
 */
export function loadHfTensors(encoder: Module, mappings: TensorMapping[], tensors: Map<string, SafetensorsReadEntry>, source: string, buffers: HfBuffer[] = []): void {
  const params = new Map(encoder.namedParameters());
  for (const b of buffers) {
    const t = tensors.get(b.hf);
    if (t === undefined) continue;
    if (!tf.util.arraysEqual(t.shape, b.shape) || t.data.some((v, i) => v !== b.values[i])) {
      throw new Error(`${source}: buffer "${b.hf}" (shape [${t.shape}]) differs from the one config.json implies (shape [${b.shape}]); the weights and config.json do not belong together.`);
    }
  }
  const missing = mappings.filter((m) => !tensors.has(m.hf)).map((m) => m.hf);
  if (missing.length > 0) throw new Error(`${source} lacks ${missing.length} tensors that config.json implies: ${listNames(missing)}; the weights and config.json do not belong together.`);
  const used = new Set([...mappings.map((m) => m.hf), ...buffers.map((b) => b.hf)]);
  const unused = [...tensors.keys()].filter((n) => !used.has(n));
  if (unused.length > 0) throw new Error(`${source} holds ${unused.length} tensors that the encoder described by config.json does not use: ${listNames(unused)}; import-hf reads the base model only (no task heads), with the layout config.json describes.`);
  for (const m of mappings) {
    const param = params.get(m.ours);
    if (param === undefined) throw new Error(`internal mapping error: no parameter "${m.ours}" for "${m.hf}".`);
    const t = tensors.get(m.hf) as SafetensorsReadEntry;
    const expected = m.layout.hfShape(param.shape);
    if (!tf.util.arraysEqual(t.shape, expected)) {
      throw new Error(`${source}: tensor "${m.hf}" has shape [${t.shape}] but config.json implies [${expected}]; the weights and config.json do not belong together.`);
    }
    if (t.dtype !== 'F32') throw new Error(`${source}: tensor "${m.hf}" is ${t.storedDtype}; weights must be floating point (F32, F16 or BF16).`);
    tf.tidy(() => param.assign(m.layout.toOurs(tf.tensor(t.data, t.shape, 'float32'), param.shape)));
  }
}

/**
 * The training sections of the tiny preset fitted to the imported model's sizes, so a
 * `pretrain --resume` of the run is a valid config: targets from at most every block
 * (spec §3.2), for images BEiT block masking scaled to the model's patch grid (§2.3),
 * for text rows no longer than the model's positions.
 */
function trainingSectionsFor(
  base: BaseRunConfig & { data2vec: Data2VecV1Config; masking?: unknown; sequences?: { maxLength: number } },
  model: { depth: number; imageSize?: [number, number]; patchSize?: number; maxPositions?: number },
): Record<string, unknown> {
  const targets = { ...base.data2vec.targets, topK: Math.min(base.data2vec.targets.topK, model.depth) };
  const sections: Record<string, unknown> = { data2vec: { ...base.data2vec, targets } };
  if (model.imageSize && model.patchSize && base.masking) {
    sections.masking = scaledBlockMaskParams(model.imageSize[0] / model.patchSize, model.imageSize[1] / model.patchSize);
  }
  if (model.maxPositions !== undefined && base.sequences) {
    sections.sequences = { ...base.sequences, maxLength: Math.min(base.sequences.maxLength, model.maxPositions) };
  }
  return sections;
}

/** Import the HF data2vec folder `dir` into a new run folder `out`; see the file header. */
export async function importHf(dir: string, out: string): Promise<ImportHfSummary> {
  checkOutputFolder(out, '--out');
  const folder = readHfFolder(dir);
  const source = folder.files.length === 1 ? folder.files[0] : `${path.join(dir, '*')} (${folder.files.length} shards)`;
  const hf = hfModalityForModelType(folder.config.model_type, path.join(dir, 'config.json'));
  const model = hf.fromHf(folder.config, path.join(dir, 'config.json'));
  const base = getRecipe(hf.modality, 'v1').config('tiny');
  const config = { ...base, ...trainingSectionsFor(base, model), preset: `hf:${path.basename(path.resolve(dir))}`, model, hf: folder.config };
  const objective = new Data2VecV1((rng) => hf.build(model, rng) as MaskedEncoder, base.data2vec, new Rng(`${config.seed}:init`));
  try {
    loadHfTensors(objective.encoder, hf.mappings(model, folder.config), folder.tensors, source, hf.buffers?.(model, folder.config));
    objective.teacher.copyFrom(objective.encoder);
    await writeFolderAtomically(out, '--out', async (tmp) => {
      writeFileAtomic(path.join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      // A checkpoint at update 0 with fresh optimizer state: `pretrain --resume RUN` continues from the imported weights.
      const trainer = new Trainer(objective, () => {
        throw new Error('an imported run has no batches until pretrain --resume loads its data.');
      }, config.trainer, tmp, config);
      await trainer.checkpoint();
    });
    const dtypes: Record<string, number> = {};
    for (const t of folder.tensors.values()) dtypes[t.storedDtype] = (dtypes[t.storedDtype] ?? 0) + 1;
    return {
      run_dir: out, modality: hf.modality, model_type: hf.modelType, tensors: folder.tensors.size,
      parameters: objective.encoder.countParameters(true), dtypes, weight_files: folder.files,
    };
  } finally {
    objective.dispose();
  }
}
