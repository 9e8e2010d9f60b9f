import type { LogPosition } from './positions';
import type { PublishLease, RecordOutcome } from './ports';
import { isNewer, type VersionStamp } from './versions';

export interface PendingRecord extends VersionStamp {
  key: string;
  lease: PublishLease;
  position: LogPosition;
}

export interface PublishRecorderDeps {
  record(pending: PendingRecord): Promise<RecordOutcome>;
  /** Every record's end, recorded or not: the lease is done with. */
  onSettled(pending: PendingRecord, outcome: RecordOutcome | undefined, error?: unknown): void;
}

/**
 * Records each publish on its leader item off the request path: the record ends the outbox mark
 * (a mark left behind only costs the relay one republish) and is what a successor write in
 * another process waits for (core/publish-order.ts). Records are coalesced per key (a newer
 * version published after an older one covers every waiter of the older) and run with bounded
 * concurrency.
 */
export class PublishRecorder {
  private readonly pending = new Map<string, PendingRecord>();
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly deps: PublishRecorderDeps,
    private readonly concurrency = 8,
  ) {}

  enqueue(next: PendingRecord): void {
    const held = this.pending.get(next.key);
    if (held !== undefined && !isNewer(next, held)) {
      this.deps.onSettled(next, undefined);
    } else {
      if (held !== undefined) this.deps.onSettled(held, undefined);
      this.pending.set(next.key, next);
    }
    this.pump();
  }

  get size(): number {
    return this.pending.size + this.running;
  }

  /** Resolves once every enqueued record has finished (shutdown, Lambda handlers, benchmarks). */
  drain(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.pending.size > 0) {
      const [key, record] = this.pending.entries().next().value as [string, PendingRecord];
      this.pending.delete(key);
      this.running += 1;
      this.deps
        .record(record)
        .then(
          (outcome) => this.deps.onSettled(record, outcome),
          (error: unknown) => this.deps.onSettled(record, undefined, error),
        )
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
