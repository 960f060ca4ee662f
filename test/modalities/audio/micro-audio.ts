/** Small speech setups for the audio tests: a shrunken tiny preset and a subset of the bundled clips. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { audioV1Recipe } from '../../../src/modalities/audio/recipe-v1';
import { AudioV1Config } from '../../../src/modalities/audio/presets-v1';
import { AudioEncoderV1Config } from '../../../src/modalities/audio/encoder-v1';
import { convLayersWithChannels } from '../../../src/modalities/audio/feature-extractor';
import { bundledSpokenDigitsDir } from '../../../src/data/audio-dataset';
import { RunOverrides } from '../../../src/modalities/recipe';
import { Rng } from '../../../src/util/rng';

/** Overrides that shrink the tiny preset: 16 CNN channels, D 32, 2 blocks of 2 heads, top 2 layers. */
export const MICRO_SET: Record<string, string> = {
  'model.convLayers': JSON.stringify(convLayersWithChannels(16)),
  'model.dim': '32',
  'model.ffnDim': '64',
  'model.depth': '2',
  'model.heads': '2',
  'data2vec.targets.topK': '2',
};

/** The tiny preset shrunk by {@link MICRO_SET}, plus `overrides`. */
export function microAudioConfig(overrides: RunOverrides = {}): AudioV1Config {
  return audioV1Recipe.config('tiny', { batchSize: 8, ...overrides, set: { ...MICRO_SET, ...overrides.set } });
}

/** The micro encoder architecture alone. */
export function microEncoderConfig(): AudioEncoderV1Config {
  return microAudioConfig().model;
}

/** Standard-normal waveforms [batch, samples]. */
export function randomWaveforms(rng: Rng, batch: number, samples: number): tf.Tensor2D {
  return tf.tensor2d(rng.normalArray(batch * samples), [batch, samples]);
}

/**
 * A folder with a `manifest.csv` listing `perSplit.train` training and
 * `perSplit.test` test clips of the bundled set (absolute paths, labels and
 * voices kept), plus any `extra` lines. Returns the folder.
 */
export function writeSubsetManifest(perSplit: { train: number; test: number }, extra: string[] = []): string {
  const source = bundledSpokenDigitsDir();
  const lines = fs.readFileSync(path.join(source, 'manifest.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const pick = (split: string, n: number) => lines.filter((l) => l.endsWith(`,${split}`)).slice(0, n);
  const rows = [...pick('train', perSplit.train), ...pick('test', perSplit.test)].map((l) => {
    const [file, label, voice, , , split] = l.split(',');
    return `${path.join(source, file)},${label},${voice},${split}`;
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-audio-'));
  fs.writeFileSync(path.join(dir, 'manifest.csv'), ['file,label,voice,split', ...rows, ...extra].join('\n') + '\n');
  return dir;
}

/** Largest absolute element difference of two equal-shape tensors. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shapes differ: [${a.shape}] vs [${b.shape}]`);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}
