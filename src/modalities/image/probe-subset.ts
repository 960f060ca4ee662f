/**
 * Seeded image subsets for cheap probes during training (the bench protocol, spec
 * §7.2): the probe fits on a fixed subset of the train split and is scored on a
 * fixed subset (by default all) of the test split.
 */
import { ImageDataset } from '../../data/image-dataset';
import { Rng } from '../../util/rng';
import { RecipeData } from '../recipe';

/** A seeded subset of `n` images (all when n ≥ ds.n). */
export function subsetImages(ds: ImageDataset, n: number, seed: number | string): ImageDataset {
  if (n >= ds.n) return ds;
  const size = ds.height * ds.width * ds.channels;
  const pick = new Rng(`${seed}:probe-subset`).permutation(ds.n).slice(0, n).sort((a, b) => a - b);
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  pick.forEach((src, i) => {
    images.set(ds.images.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = ds.labels[src];
  });
  return { ...ds, name: `${ds.name}[${n}]`, images, labels, n };
}

/** Image data with both splits cut to seeded subsets: `train` images (default 2000) and `test` images (default all). */
export function imageProbeSubset<D extends RecipeData & { train: ImageDataset; test: ImageDataset }>(data: D, sizes: { train?: number; test?: number }, seed: number): D {
  return {
    ...data,
    train: subsetImages(data.train, sizes.train ?? 2000, seed),
    test: subsetImages(data.test, sizes.test ?? data.test.n, seed),
  };
}
