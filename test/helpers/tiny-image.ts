/** A very small image v1 setup for trainer tests: a few seconds per dozen updates. */
import { imageV1Recipe, ImageData, loadImageData } from '../../src/modalities/image/recipe-v1';
import { ImageV1Config } from '../../src/modalities/image/presets-v1';
import { RunOverrides } from '../../src/modalities/recipe';

let cached: ImageData | undefined;

/** The tiny preset shrunk further (dim 32, depth 2) with the given overrides. */
export function microImageConfig(overrides: RunOverrides = {}): ImageV1Config {
  return imageV1Recipe.config('tiny', {
    batchSize: 16,
    ...overrides,
    set: { 'model.dim': '32', 'model.depth': '2', 'model.heads': '2', 'data2vec.targets.topK': '2', ...overrides.set },
  });
}

/** The bundled Fashion-MNIST subset, loaded once per test process. */
export function imageData(): ImageData {
  cached ??= loadImageData({});
  return cached;
}
