/**
 * After a write is known to be in the log, its outbox mark is cleared off the request path: the
 * mark only matters if the process dies first, and a mark left behind only costs the relay one
 * harmless republish. Clears are coalesced per key (only the newest version's mark can still be
 * on the item) and run with bounded concurrency.
 */
export interface MarkClearSink {
  clearOutboxMark(key: string, version: number): Promise<void>;
}

export class OutboxMarkClearer {
  private readonly pending = new Map<string, number>();
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly sink: MarkClearSink,
    private readonly onError: (key: string, version: number, error: unknown) => void,
    private readonly concurrency = 8,
  ) {}

  enqueue(key: string, version: number): void {
    const held = this.pending.get(key);
    if (held === undefined || version > held) this.pending.set(key, version);
    this.pump();
  }

  get size(): number {
    return this.pending.size + this.running;
  }

  /** Resolves once every enqueued clear has finished (used on shutdown and by Lambda handlers). */
  drain(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.pending.size > 0) {
      const next = this.pending.entries().next().value as [string, number];
      const [key, version] = next;
      this.pending.delete(key);
      this.running += 1;
      this.sink
        .clearOutboxMark(key, version)
        .catch((error: unknown) => this.onError(key, version, error))
        .finally(() => {
          this.running -= 1;
          this.pump();
          if (this.size === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }
}
