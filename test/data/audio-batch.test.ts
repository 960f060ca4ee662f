/**
 * Speech batches (src/data/audio-batch.ts): per-utterance layer norm
 * against hand-computed values, the crop to the shortest clip with a random
 * offset per clip (fairseq `RawAudioDataset.collater`, `crop_to_max_size`),
 * the cap, seeding, and the deterministic centre crop.
 */
import { expect } from 'chai';
import { collateAudio, collateCentreCrop, normalizeWaveform } from '../../src/data/audio-batch';
import { loadAudioDataset } from '../../src/data/audio-dataset';
import { Rng } from '../../src/util/rng';

function meanVar(x: ArrayLike<number>): [number, number] {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  return [m, v / x.length];
}

/** Clips of the given lengths with distinct, non-constant content and label = index. */
function clips(lengths: number[], rng = new Rng(7)): { samples: Float32Array; label: number }[] {
  return lengths.map((n, label) => ({ samples: Float32Array.from(rng.uniformArray(n, -0.5, 0.5), (v, i) => v + 0.3 * Math.sin(i / (label + 3)) + 0.1), label }));
}

describe('data/audio-batch', () => {
  it('normalises a waveform like F.layer_norm: (x - mean) / sqrt(biased var + 1e-5)', () => {
    // mean 2.5, biased variance 1.25.
    const y = normalizeWaveform(Float32Array.from([1, 2, 3, 4]));
    const s = 1 / Math.sqrt(1.25 + 1e-5);
    expect(Array.from(y)).to.deep.equal([-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s].map(Math.fround));
    // Golden values from PyTorch 1.13: F.layer_norm(x, x.shape) for this x (float32).
    const torchOut = [0.18870054185390472, -1.1591602563858032, 1.8061333894729614, -0.3504438102245331, -0.4852299094200134];
    normalizeWaveform(Float32Array.from([0.3, -0.2, 0.9, 0.1, 0.05])).forEach((v, i) => expect(v).to.be.closeTo(torchOut[i], 1e-6));
    const [m, v] = meanVar(normalizeWaveform(clips([20000])[0].samples));
    expect(m).to.be.closeTo(0, 1e-6);
    expect(v).to.be.closeTo(1, 1e-3);
    // A silent clip stays zero (eps keeps the division finite).
    expect(Array.from(normalizeWaveform(new Float32Array(5)))).to.deep.equal([0, 0, 0, 0, 0]);
  });

  it('crops every clip to the shortest one; each row is a contiguous slice of its normalised source', () => {
    const batch = clips([5000, 3000, 4200, 3000]);
    const b = collateAudio(batch, new Rng(1));
    expect([b.batch, b.length, b.waveforms.length]).to.deep.equal([4, 3000, 12000]);
    expect(Array.from(b.labels)).to.deep.equal([0, 1, 2, 3]);
    batch.forEach((clip, row) => {
      const off = b.offsets[row];
      expect(off).to.be.within(0, clip.samples.length - 3000);
      const expected = normalizeWaveform(clip.samples).subarray(off, off + 3000);
      expect(Array.from(b.waveforms.subarray(row * 3000, (row + 1) * 3000))).to.deep.equal(Array.from(expected));
    });
    expect([b.offsets[1], b.offsets[3]]).to.deep.equal([0, 0]);
    // Normalised before cropping (as fairseq does in __getitem__): a cropped row is not itself exactly standardised.
    const [m0] = meanVar(b.waveforms.subarray(0, 3000));
    expect(Math.abs(m0)).to.be.above(1e-4);
  });

  it('draws offsets uniformly from 0..diff inclusive (randint(0, diff + 1)), seeded', () => {
    const batch = clips([1002, 1000]);
    const seen = new Set<number>();
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) seen.add(collateAudio(batch, rng).offsets[0]);
    expect([...seen].sort()).to.deep.equal([0, 1, 2]);
    const long = clips([40000, 30000, 35000]);
    const a = collateAudio(long, new Rng(5));
    expect(Array.from(collateAudio(long, new Rng(5)).waveforms)).to.deep.equal(Array.from(a.waveforms));
    expect(Array.from(collateAudio(long, new Rng(6)).offsets)).to.not.deep.equal(Array.from(a.offsets));
  });

  it('caps the crop at maxSampleSize and can skip normalisation', () => {
    const batch = clips([5000, 4000]);
    const b = collateAudio(batch, new Rng(2), { maxSampleSize: 1000, normalize: false });
    expect(b.length).to.equal(1000);
    batch.forEach((clip, row) => {
      const off = b.offsets[row];
      expect(Array.from(b.waveforms.subarray(row * 1000, (row + 1) * 1000))).to.deep.equal(Array.from(clip.samples.subarray(off, off + 1000)));
    });
  });

  it('centre-crops deterministically for evaluation; one clip gives the whole clip', () => {
    const batch = clips([5001, 3000, 3500]);
    const b = collateCentreCrop(batch);
    expect(b.length).to.equal(3000);
    expect(Array.from(b.offsets)).to.deep.equal([1000, 0, 250]);
    expect(Array.from(b.waveforms.subarray(0, 3000))).to.deep.equal(Array.from(normalizeWaveform(batch[0].samples).subarray(1000, 4000)));
    const single = collateCentreCrop([batch[0]]);
    expect([single.batch, single.length, single.offsets[0]]).to.deep.equal([1, 5001, 0]);
    expect(Array.from(single.waveforms)).to.deep.equal(Array.from(normalizeWaveform(batch[0].samples)));
  });

  it('batches the bundled digits without padding: rows of the shortest clip length, each with real signal', () => {
    const { train } = loadAudioDataset();
    const rng = new Rng(0);
    const order = rng.permutation(train.length).slice(0, 16);
    const picked = order.map((i) => train[i]);
    const b = collateAudio(picked, rng);
    expect(b.length).to.equal(Math.min(...picked.map((c) => c.samples.length)));
    for (let row = 0; row < b.batch; row++) {
      const [m, v] = meanVar(b.waveforms.subarray(row * b.length, (row + 1) * b.length));
      expect(Number.isFinite(m) && v > 0.1).to.equal(true);
    }
  });

  it('refuses an empty batch with a clear sentence', () => {
    expect(() => collateAudio([], new Rng(0))).to.throw('cannot collate an empty list of clips; pass at least one clip.');
  });
});
