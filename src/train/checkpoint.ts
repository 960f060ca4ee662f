/**
 * Checkpoints (design "a long run never loses finished work"): one safetensors
 * file holding the trained module (`model.*`), non-trained state such as the EMA
 * teacher (`teacher.*`) and the AdamW moments (`optimizer.*`), with the update
 * count and the resolved config in its metadata. The file is written atomically
 * (temporary file, fsync, rename), so a crash leaves the previous checkpoint intact.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { AdamW } from './adamw';
import { readSafetensors, saveSafetensors } from './safetensors';
import { makeDir } from '../util/io-error';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const CHECKPOINT_FORMAT = 'data2vec-ts/checkpoint-1';

export interface CheckpointParts {
  module: Module;
  optimizer?: AdamW;
  /** Extra named variables (e.g. the teacher, already prefixed `teacher.`). */
  extra?: [string, tf.Variable][];
}

/** Path of the checkpoint file in a run folder (or the path itself if it is a file). */
export function checkpointPath(runDirOrFile: string): string {
  return runDirOrFile.endsWith('.safetensors') ? runDirOrFile : path.join(runDirOrFile, CHECKPOINT_FILE);
}

/** Write a checkpoint after `update` updates (the tensors are read with one awaited read each, never synchronously). */
export async function saveCheckpoint(runDir: string, parts: CheckpointParts, update: number, config: unknown): Promise<string> {
  makeDir(runDir.endsWith('.safetensors') ? path.dirname(runDir) : runDir);
  const tensors = new Map<string, tf.Tensor>();
  for (const [n, v] of parts.module.namedParameters('model')) tensors.set(n, v);
  for (const [n, v] of parts.extra ?? []) tensors.set(n, v);
  const owned: tf.Tensor[] = [];
  if (parts.optimizer) {
    const state = parts.optimizer.stateDict();
    for (const [n, t] of state.tensors) {
      tensors.set(`optimizer.${n}`, t);
      owned.push(t);
    }
  }
  const file = checkpointPath(runDir);
  try {
    await saveSafetensors(file, tensors, {
      format: CHECKPOINT_FORMAT,
      update: String(update),
      optimizer_steps: String(parts.optimizer?.stepCount ?? 0),
      config: JSON.stringify(config),
    });
  } finally {
    owned.forEach((t) => t.dispose());
  }
  return file;
}

export interface LoadedCheckpoint {
  update: number;
  config: unknown;
}

/** Read only the metadata (update count and config) of a checkpoint. */
export function readCheckpointInfo(runDirOrFile: string): LoadedCheckpoint {
  const file = checkpointPath(runDirOrFile);
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist; pass a run folder written by "data2vec pretrain" (it holds ${CHECKPOINT_FILE}).`);
  return parseMetadata(file, readSafetensors(file).metadata);
}

function parseMetadata(file: string, metadata: Record<string, string>): LoadedCheckpoint {
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${file} is not a data2vec-ts checkpoint (metadata format is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}").`);
  }
  return { update: Number(metadata.update), config: JSON.parse(metadata.config ?? 'null') };
}

/** Load a checkpoint into the given parts (shapes and names must match) and return its update count and config. */
export function loadCheckpoint(runDirOrFile: string, parts: CheckpointParts): LoadedCheckpoint {
  const file = checkpointPath(runDirOrFile);
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist; pass a run folder written by "data2vec pretrain" (it holds ${CHECKPOINT_FILE}).`);
  const contents = readSafetensors(file);
  const { metadata } = contents;
  const tensors = new Map<string, tf.Tensor>();
  for (const [n, t] of contents.tensors) tensors.set(n, tf.tensor(t.data, t.shape, t.dtype === 'F32' ? 'float32' : 'int32'));
  try {
    const info = parseMetadata(file, metadata);
    parts.module.loadStateDict(tensors, 'model');
    const extraNames = new Map(parts.extra ?? []);
    for (const [n, v] of extraNames) {
      const t = tensors.get(n);
      if (t === undefined) throw new Error(`${file} has no tensor "${n}"; it was written by a different model or preset.`);
      v.assign(t);
    }
    if (parts.optimizer) {
      const opt = new Map<string, tf.Tensor>();
      for (const [n, t] of tensors) if (n.startsWith('optimizer.')) opt.set(n.slice('optimizer.'.length), t);
      const steps = new Map<string, number>();
      for (const [n, t] of contents.tensors) if (n.startsWith('optimizer.step.')) steps.set(n.slice('optimizer.step.'.length), t.data[0]);
      parts.optimizer.loadStateDict({ tensors: opt, stepCount: Number(metadata.optimizer_steps ?? info.update), steps });
    }
    return info;
  } finally {
    tensors.forEach((t) => t.dispose());
  }
}
