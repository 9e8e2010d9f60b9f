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

export interface PublishRecorderOptions {
  /** Records in flight while the backlog is short. */
  concurrency: number;
  /** Records in flight at most, however long the backlog. */
  maxConcurrency: number;
  /** Records waiting or in flight at which new writes wait for room (`room()`). */
  backlogLimit: number;
}

const DEFAULT_RECORDER_OPTIONS: PublishRecorderOptions = { concurrency: 8, maxConcurrency: 64, backlogLimit: 500 };

// One more record in flight per this many waiting: a backlog that grows means the store gives the
// commits a larger share than the records, and each commit needs its record.
const BACKLOG_PER_EXTRA_RECORD = 8;

/**
 * Records each publish on its leader item off the request path: the record ends the outbox mark
 * (a mark left behind costs the relay a republish) and is what a successor write in another
 * process waits for (core/publish-order.ts). Records are coalesced per key (a newer version
 * published after an older one covers every waiter of the older).
 *
 * Every write costs a record, so records must keep pace with commits or marks pile up (measured:
 * 25,246 marks left after a 50,000-write burst, 517 of them republished by the relay once they
 * outlived its grace). Two things keep them in step: the records in flight grow with the backlog
 * (up to `maxConcurrency`), so a saturated store serves them their share; and past
 * `backlogLimit` new writes wait for room before they commit, so the backlog, and with it the
 * marks outstanding and the age of the oldest, stays bounded under any load.
 */
export class PublishRecorder {
  private readonly pending = new Map<string, PendingRecord>();
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];
  private readonly options: PublishRecorderOptions;

  constructor(
    private readonly deps: PublishRecorderDeps,
    options: Partial<PublishRecorderOptions> = {},
  ) {
    this.options = { ...DEFAULT_RECORDER_OPTIONS, ...options };
  }

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

  /** True while a new write must wait for room before it commits. */
  get full(): boolean {
    return this.size >= this.options.backlogLimit;
  }

  /** Resolves once the backlog is under its limit (at once if it is). */
  room(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Records in flight allowed for the backlog waiting now. */
  private get inFlightLimit(): number {
    const { concurrency, maxConcurrency } = this.options;
    return Math.min(maxConcurrency, Math.max(concurrency, Math.ceil(this.pending.size / BACKLOG_PER_EXTRA_RECORD)));
  }

  /** Resolves once every enqueued record has finished (shutdown, Lambda handlers, benchmarks). */
  drain(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.inFlightLimit && this.pending.size > 0) {
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
          if (!this.full) {
            // Woken in arrival order, as many as there is room for; the rest wait on.
            for (const w of this.roomWaiters.splice(0, this.options.backlogLimit - this.size)) w();
          }
          if (this.size === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }
}
