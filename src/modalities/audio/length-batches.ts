/**
 * Which clips go into each speech pretraining batch (spec §2.1: batches are
 * cropped to their shortest clip, so grouping clips of similar length keeps most
 * of the audio). fairseq `RawAudioDataset.ordered_indices` sorts clips by length
 * with random tie-breaks and `batch_by_size` cuts that order into batches, which
 * the epoch iterator then shuffles. Here every batch has a fixed number of clips:
 * each epoch sorts the clips by length (ties broken at random), drops the
 * `n mod batchSize` leftover clips at a random cut (some from the short end, the
 * rest from the long end, so batch boundaries move from epoch to epoch), and
 * visits the batches in a random order. `'random'` draws each batch from a
 * seeded permutation instead (`sampleIndices`).
 *
 * Everything is a function of (seed, global batch position), as the trainer
 * needs for exact resume.
 */
import { Rng } from '../../util/rng';
import { sampleIndices } from '../../data/batch-order';

/** `'by-length'`: fairseq's size-ordered batches; `'random'`: uniform random batches. */
export type AudioBatching = 'by-length' | 'random';

/** The batches of one epoch: lists of clip indices, in visiting order. */
export function lengthSortedEpoch(lengths: readonly number[], batchSize: number, rng: Rng): number[][] {
  const n = lengths.length;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`the batch size must be a positive integer, got ${batchSize}.`);
  if (n < batchSize) throw new Error(`the training split has ${n} clips, fewer than the batch size ${batchSize}; lower --batch-size to at most ${n}.`);
  const tieBreak = rng.permutation(n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => lengths[a] - lengths[b] || tieBreak[a] - tieBreak[b]);
  const count = Math.floor(n / batchSize);
  const start = rng.int(0, n - count * batchSize + 1);
  const batches = Array.from({ length: count }, (_, k) => order.slice(start + k * batchSize, start + (k + 1) * batchSize));
  return rng.permutation(count).map((k) => batches[k]);
}

/**
 * A function from a global batch position (update·accumulation + micro) to the
 * clip indices of that batch. Epochs of `'by-length'` batches are computed once
 * and cached (the latest epoch only).
 */
export function audioBatchPlan(lengths: readonly number[], batchSize: number, batching: AudioBatching, seed: number | string): (position: number) => number[] {
  if (batching === 'random') return (position) => sampleIndices(lengths.length, position * batchSize, batchSize, `${seed}:order`);
  const perEpoch = Math.floor(lengths.length / batchSize);
  let cached: { epoch: number; batches: number[][] } | undefined;
  return (position) => {
    if (perEpoch === 0) lengthSortedEpoch(lengths, batchSize, new Rng(0)); // throws the one-sentence error
    const epoch = Math.floor(position / perEpoch);
    if (!cached || cached.epoch !== epoch) cached = { epoch, batches: lengthSortedEpoch(lengths, batchSize, new Rng(`${seed}:length-batches:${epoch}`)) };
    return cached.batches[position - epoch * perEpoch];
  };
}
