export interface MicroBatcherOptions<T, R> {
  /** Writes a batch; resolves with one result per item, in order. A rejection fails every item of the batch. */
  flush(items: T[]): Promise<R[]>;
  /** Most items per batch. */
  maxBatchSize: number;
  /** Most batches being written at once (a database batch holds one pooled connection). */
  maxConcurrentFlushes: number;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Groups concurrent submissions into batches (claimed vouchers into one INSERT, claims into
 * one admission script, rate-limit counts into one Redis call). A batch starts as soon as a
 * flush slot is free, so a lone item waits for nothing but the end of its event-loop turn;
 * under load, items arriving while the slots are busy pile up and leave together in the next
 * batch. Throughput then grows with the load instead of being capped by one round trip per
 * item, and no timer adds latency.
 */
export class MicroBatcher<T, R> {
  private queue: Array<Waiting<T, R>> = [];
  private flushing = 0;
  private scheduled = false;

  constructor(private readonly options: MicroBatcherOptions<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing >= this.options.maxConcurrentFlushes) return;
    this.scheduled = true;
    // Let the submissions of this event-loop turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.flushing < this.options.maxConcurrentFlushes) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      this.flushing++;
      void this.write(batch).finally(() => {
        this.flushing--;
        if (this.queue.length > 0) this.schedule();
      });
    }
  }

  private async write(batch: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.options.flush(batch.map((waiting) => waiting.item));
      if (results.length !== batch.length) throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
      batch.forEach((waiting, i) => waiting.resolve(results[i]));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
