/**
 * Reading a Hugging Face model folder as `save_pretrained` writes it and the Hub
 * stores it: `config.json` plus the weights as `model.safetensors`, a sharded
 * `model.safetensors.index.json`, `pytorch_model.bin` or a sharded
 * `pytorch_model.bin.index.json` (first found in that order). Tensors come back as
 * float32 from F32, F16 or BF16 (`storedDtype` keeps what the file held).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors, SafetensorsReadEntry } from '../train/safetensors';
import { HfConfig } from './hf-config';
import { readTorchCheckpoint } from './torch-pickle';

/** What a folder holds. */
export interface HfFolder {
  config: HfConfig;
  tensors: Map<string, SafetensorsReadEntry>;
  /** The weight files read, for messages. */
  files: string[];
}

const WEIGHT_FILES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'];

/** The JSON in `file` (config.json, a shard index); one sentence when it cannot be read or parsed. */
function readJsonFile<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); download it again.`);
  }
}

function readWeightFile(file: string): Map<string, SafetensorsReadEntry> {
  if (file.endsWith('.safetensors')) return readSafetensors(file).tensors;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`could not read ${file}: ${(e as Error).message}.`);
  }
  return readTorchCheckpoint(bytes, file);
}

/** The shards an index names, read and checked against its `weight_map`. */
function readSharded(indexFile: string): { tensors: Map<string, SafetensorsReadEntry>; files: string[] } {
  const index = readJsonFile<{ weight_map?: Record<string, unknown> }>(indexFile);
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null || !Object.values(map).every((f) => typeof f === 'string' && !f.includes('/') && !f.includes('\\'))) {
    throw new Error(`${indexFile} has no "weight_map" of tensor names to shard file names; download it again.`);
  }
  const dir = path.dirname(indexFile);
  const shards = [...new Set(Object.values(map) as string[])].sort();
  const tensors = new Map<string, SafetensorsReadEntry>();
  for (const shard of shards) {
    const file = path.join(dir, shard);
    if (!fs.existsSync(file)) throw new Error(`${indexFile} names the shard ${shard}, which is not in ${dir}; download every shard.`);
    for (const [name, t] of readWeightFile(file)) {
      if (map[name] !== shard) throw new Error(`${file} holds tensor "${name}", which ${path.basename(indexFile)} places ${map[name] === undefined ? 'nowhere' : `in ${String(map[name])}`}; the index and the shards do not belong together.`);
      tensors.set(name, t);
    }
  }
  const missing = Object.keys(map).filter((n) => !tensors.has(n));
  if (missing.length > 0) throw new Error(`${indexFile} lists ${missing.length} tensors that no shard holds (first: "${missing[0]}"); download every shard again.`);
  return { tensors, files: shards.map((s) => path.join(dir, s)) };
}

/** Read `dir`'s config.json and weights; every error is one line naming the file. */
export function readHfFolder(dir: string): HfFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder; pass the folder that holds config.json and the weights (as save_pretrained or huggingface-cli download writes it).`);
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile)) throw new Error(`${dir} has no config.json; pass a folder written by save_pretrained or downloaded from the Hub.`);
  const config = readJsonFile<HfConfig>(configFile);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`${configFile} does not hold a JSON object; download it again.`);
  const weights = WEIGHT_FILES.find((f) => fs.existsSync(path.join(dir, f)));
  if (weights === undefined) throw new Error(`${dir} has config.json but no weights (${WEIGHT_FILES.join(', ')}); download the weights too.`);
  const file = path.join(dir, weights);
  if (weights.endsWith('.index.json')) return { config, ...readSharded(file) };
  return { config, tensors: readWeightFile(file), files: [file] };
}
