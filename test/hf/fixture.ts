/**
 * The Hugging Face reference fixture (`../shared/fixtures/hf-data2vec` beside the
 * repository): outputs of transformers' own Data2Vec classes for five tiny seeded
 * models. Missing fixture = failing tests, never skipped ones.
 */
import * as fs from 'fs';
import * as path from 'path';

export const HF_FIXTURE = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'hf-data2vec');
export const HF_MODELS = ['vision', 'vision_ln', 'vision_relbias', 'audio', 'text'] as const;

/** The folder of one fixture model; throws a clear error when the fixture is absent. */
export function fixtureDir(name: string): string {
  const dir = path.join(HF_FIXTURE, name);
  if (!fs.existsSync(path.join(dir, 'config.json'))) {
    throw new Error(`the HF reference fixture is missing at ${dir}; clone the shared folder beside the repository (../shared/fixtures/hf-data2vec).`);
  }
  return dir;
}

/** A fresh temporary folder path (not created). */
export function tempPath(name: string): string {
  return path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'd2v-hf-')), name);
}
