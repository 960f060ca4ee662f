/**
 * Which modality a `--data` path holds, judged from its file names only (Fashion-MNIST
 * IDX files, WAV clips or a `manifest.csv`, JSONL/TXT documents), so that fine-tuning
 * a model on data of another modality fails with one sentence before anything loads.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Modality } from '../modalities/recipe';

/** What each modality's data looks like, for messages. */
export const DATA_DESCRIPTION: Record<Modality, string> = {
  image: 'images (IDX files such as train-images-idx3-ubyte)',
  audio: 'speech clips (WAV files or a manifest.csv)',
  text: 'text documents (.jsonl or .txt)',
};

const hasWav = (dir: string): boolean => {
  try {
    return fs.readdirSync(dir).some((e) => /\.wav$/i.test(e));
  } catch {
    return false;
  }
};

/** The modality `p` looks like, or undefined when it does not exist or is not recognised (the loader then reports it). */
export function guessDataModality(p: string): Modality | undefined {
  if (!fs.existsSync(p)) return undefined;
  if (fs.statSync(p).isFile()) {
    if (/\.(jsonl|txt)$/i.test(p)) return 'text';
    if (/\.wav$/i.test(p)) return 'audio';
    return /-idx\d-ubyte(\.gz)?$/.test(p) ? 'image' : undefined;
  }
  const entries = fs.readdirSync(p);
  if (entries.some((e) => /-idx\d-ubyte(\.gz)?$/.test(e))) return 'image';
  if (entries.includes('manifest.csv') || hasWav(p) || entries.some((e) => hasWav(path.join(p, e)))) return 'audio';
  if (entries.some((e) => /\.(jsonl|txt)$/i.test(e))) return 'text';
  return undefined;
}

/** Throw one sentence when `data` holds another modality than `modality` (`what` names the model, e.g. "run runs/x"). */
export function checkDataModality(data: string, modality: Modality, what: string): void {
  const found = guessDataModality(data);
  if (found !== undefined && found !== modality) {
    throw new Error(`--data ${data} holds ${DATA_DESCRIPTION[found]} but ${what} is a ${modality} model; pass --data with ${DATA_DESCRIPTION[modality]}, or a model of the ${found} modality.`);
  }
}
