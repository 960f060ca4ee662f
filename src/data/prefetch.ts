/**
 * A bounded prefetch queue (issue "throughput"): items are numbered 0, 1, 2, …
 * (global batch positions); `take(k)` returns item k and starts producing the
 * next `depth` items, so the producer (worker threads) runs while the training
 * thread computes. At most `depth + 1` items are held or in flight at once,
 * whatever the corpus size. The time `take` waited is the data wait the
 * metrics record (`data_wait_ms`).
 */
export class Prefetcher<T> {
  private readonly inFlight = new Map<number, Promise<T>>();
  /** Milliseconds the last `take` waited for its item. */
  lastWaitMs = 0;

  /**
   * @param produce makes item k (deterministic in k)
   * @param depth items produced ahead of the one taken (≥ 0)
   */
  constructor(private readonly produce: (k: number) => Promise<T>, readonly depth: number) {
    if (!Number.isInteger(depth) || depth < 0) throw new Error(`the prefetch depth must be a non-negative integer, got ${depth}.`);
  }

  /** Items held or being produced now. */
  get pending(): number {
    return this.inFlight.size;
  }

  private start(k: number): Promise<T> {
    let p = this.inFlight.get(k);
    if (!p) {
      p = this.produce(k);
      p.catch(() => undefined); // a failure is reported by the `take` that awaits it
      this.inFlight.set(k, p);
    }
    return p;
  }

  /** Item k; items before k that are still queued are dropped (a resume or a skip ahead). */
  async take(k: number): Promise<T> {
    for (const key of [...this.inFlight.keys()]) if (key < k || key > k + this.depth) this.inFlight.delete(key);
    const p = this.start(k);
    for (let j = 1; j <= this.depth; j++) this.start(k + j);
    const t0 = performance.now();
    try {
      return await p;
    } finally {
      this.lastWaitMs = performance.now() - t0;
      this.inFlight.delete(k);
    }
  }
}
