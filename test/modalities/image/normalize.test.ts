import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { checkNormalization, imageBatch, normalizePixels } from '../../../src/modalities/image/image-batch';
import { checkImageShape } from '../../../src/modalities/image/recipe-v1';
import { ImageDataset } from '../../../src/data/image-dataset';

const rgb = (n: number, size: number): ImageDataset => ({
  name: 'rgb', images: Uint8Array.from({ length: n * size * size * 3 }, (_, i) => (i * 37) % 256), labels: new Int32Array(n), n, height: size, width: size, channels: 3, classNames: ['x'],
});

describe('image normalisation (spec §2.4)', () => {
  it('normalizePixels applies each channel its own mean and std', () => {
    const out = new Float32Array(8);
    normalizePixels([0, 255, 51, 102, 255, 0], 3, { mean: [0, 1, 0.2], std: [1, 0.5, 0.1] }, out, 2);
    expect(Array.from(out)).to.deep.equal([0, 0, 0, 0, 0, 0.4, 0, -2].map(Math.fround));
  });

  it('one mean for three channels is refused in one sentence, at the recipe check and in a batch, never a NaN loss', async () => {
    const norm = { mean: [0.286], std: [0.353] };
    const want = `normalize has 1 mean and 1 std values but the images have 3 channels; give one of each per channel, e.g. --set normalize='{"mean":[0.5,0.5,0.5],"std":[0.25,0.25,0.25]}'.`;
    const ds = rgb(2, 4);
    expect(() => checkImageShape({ preset: 'tiny', algo: 'v1', model: { imageSize: [4, 4], channels: 3 }, normalize: norm }, { describe: 'rgb', trainSize: 2, testSize: 2, numClasses: 1, train: ds, test: ds } as never)).to.throw(want);
    expect(() => imageBatch(ds, [0], norm)).to.throw(want);
    expect(() => checkNormalization({ mean: [0, 0, 0], std: [1, 0, 1] }, 3)).to.throw('normalize.std[1] is 0; every std must be a positive number.');
    const ok = imageBatch(ds, [0, 1], { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    expect(ok.shape).to.deep.equal([2, 4, 4, 3]);
    expect(Array.from(await tf.isFinite(ok).all().data())[0]).to.equal(1);
    ok.dispose();
  });
});
