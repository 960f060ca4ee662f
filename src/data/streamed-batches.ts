/**
 * Adapts a streamed corpus (batches made asynchronously, on worker threads, by
 * global batch position) to the trainer's `BatchSource`: `prepare(update)`
 * awaits the raw batches of that update's micro-batches (position
 * `update·accumulation + micro`), and the synchronous call turns each into the
 * model's tensors. Raw batches are held only between `prepare` and their call; the
 * samples each one holds (`samplesOf`, e.g. its files) are reported by `samples`.
 */
import { BatchSamples, DrawnSamples, reportingSamples } from '../util/drawn-samples';

/** A micro-batch source with the `prepare` step the trainer awaits (structurally the trainer's `BatchSource`). */
export type PreparedBatchSource<B> = ((update: number, micro: number) => B) & {
  prepare: (update: number) => Promise<void>;
  /** The samples of micro-batch (update, micro), once it was made. */
  samples: (update: number, micro: number) => BatchSamples | undefined;
};

export function streamedBatchSource<R, B>(
  fetch: (position: number) => Promise<R>,
  toBatch: (raw: R, update: number, micro: number) => B,
  accumulation: number,
  samplesOf: (raw: R) => BatchSamples = () => ({}),
): PreparedBatchSource<B> {
  const ready = new Map<number, R>();
  const drawn = new DrawnSamples();
  const source = reportingSamples((update: number, micro: number): B => {
    const position = update * accumulation + micro;
    const raw = ready.get(position);
    if (raw === undefined) throw new Error(`batch ${position} of a streamed corpus was asked for before prepare(${update}) finished; run the trainer with run(), which awaits it.`);
    ready.delete(position);
    drawn.record(update, micro, samplesOf(raw));
    return toBatch(raw, update, micro);
  }, drawn) as PreparedBatchSource<B>;
  source.prepare = async (update: number): Promise<void> => {
    const positions = Array.from({ length: accumulation }, (_, j) => update * accumulation + j);
    const raws = await Promise.all(positions.map((p) => fetch(p)));
    ready.clear();
    positions.forEach((p, j) => ready.set(p, raws[j]));
  };
  return source;
}

/** `draw` with the streamed source's `prepare`, so the trainer awaits streamed data; `draw` unchanged without one. */
export function withPrepare<F extends object>(draw: F, source?: { prepare?: (update: number) => Promise<void> }): F & { prepare?: (update: number) => Promise<void> } {
  return source?.prepare ? Object.assign(draw, { prepare: source.prepare }) : draw;
}
