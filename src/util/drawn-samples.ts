/**
 * Which samples a micro-batch was drawn from (spec §6: a batch of a run is a function
 * of (seed, update, micro-batch), so its samples identify it): dataset indices per
 * input kind (`images`, `clips`, `documents`, `blocks`), or, for a corpus streamed
 * from disk, the files (`files`: paths, or `shard.tar:key` for shard members). A batch
 * source records them when it draws a micro-batch and reports them through its
 * `samples(update, micro)`, which the trainer reads for the non-finite guard's record.
 */
import type { Rng } from './rng';

/** The samples of one micro-batch, by kind, in batch order. */
export type BatchSamples = Record<string, ReadonlyArray<number | string>>;

/** The samples of the micro-batches drawn for the latest update (earlier updates are forgotten). */
export class DrawnSamples {
  private update = -1;
  private readonly byMicro = new Map<number, BatchSamples>();

  /** Note that micro-batch (update, micro) was drawn from `samples`. */
  record(update: number, micro: number, samples: BatchSamples): void {
    if (update !== this.update) {
      this.byMicro.clear();
      this.update = update;
    }
    this.byMicro.set(micro, samples);
  }

  /** The samples of micro-batch (update, micro), if it was the latest update drawn. */
  get(update: number, micro: number): BatchSamples | undefined {
    return update === this.update ? this.byMicro.get(micro) : undefined;
  }
}

/** `draw` with a `samples(update, micro)` method reporting what `drawn` recorded. */
export function reportingSamples<F extends object>(draw: F, drawn: DrawnSamples): F & { samples: (update: number, micro: number) => BatchSamples | undefined } {
  return Object.assign(draw, { samples: (update: number, micro: number) => drawn.get(update, micro) });
}

/** A micro-batch source that reports what it drew: `samples(update, micro)` after the draw. */
export type SampledDraw<B> = ((update: number, micro: number, rng: Rng) => B) & { samples: (update: number, micro: number) => BatchSamples | undefined };

/**
 * A micro-batch source from `pick` (the raw data of micro-batch (update, micro) and the
 * samples it holds) and `make` (the model's batch from the raw data, drawing masks
 * from the same generator), reporting the samples of each micro-batch it drew.
 */
export function sampledDraw<R, B>(pick: (update: number, micro: number, rng: Rng) => { raw: R; samples: BatchSamples }, make: (raw: R, rng: Rng) => B): SampledDraw<B> {
  const drawn = new DrawnSamples();
  return reportingSamples((update: number, micro: number, rng: Rng): B => {
    const { raw, samples } = pick(update, micro, rng);
    drawn.record(update, micro, samples);
    return make(raw, rng);
  }, drawn);
}
