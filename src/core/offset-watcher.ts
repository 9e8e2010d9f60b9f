import { type AppliedRecordStore, appliedOffsetsByFollower, furthest } from './applied-record';
import { type Log, type OffsetReader, systemTimers, type Timers } from './ports';
import { type CommittedOffsets, hasPassed, type LogPosition } from './positions';

export interface WaitOutcome {
  confirmedBy: string[];
  satisfied: boolean;
}

interface Waiter {
  position: LogPosition;
  followers: readonly string[];
  needed: number;
  confirmed: Set<string>;
  resolve: (outcome: WaitOutcome) => void;
  cancelTimer: () => void;
}

export interface OffsetWatcherOptions {
  /** Pause between rounds while writes wait; there is no polling at all while none do. */
  pollMs: number;
  groupOf: (followerId: string) => string;
  /**
   * REPLOG_CONFIRM_FROM=applied-record: the followers' applied records (core/applied-record.ts),
   * read in the same round as the committed offsets; per partition the further of the two counts.
   */
  applied?: Pick<AppliedRecordStore, 'loadApplied'>;
}

/**
 * One watcher per process serves every waiting write: each round fetches the committed offsets of
 * just the followers someone waits for (one request per group, in parallel) and settles every
 * waiter those offsets satisfy. A thousand concurrent writes cost the same admin traffic as one.
 */
export class OffsetWatcher {
  private readonly waiters = new Set<Waiter>();
  private loop: Promise<void> | undefined;
  private latest = new Map<string, { offsets: CommittedOffsets; at: number }>();
  rounds = 0;

  constructor(
    private readonly reader: OffsetReader,
    private readonly options: OffsetWatcherOptions,
    private readonly log: Log,
    private readonly clock: Timers = systemTimers,
  ) {}

  /** Resolves when `needed` of `followers` have committed past `position`, or at the deadline. */
  waitFor(position: LogPosition, followers: readonly string[], needed: number, timeoutMs: number): Promise<WaitOutcome> {
    const confirmed = new Set<string>();
    // Offsets we already hold may settle the wait without a round trip (common under load).
    for (const id of followers) if (hasPassed(this.latest.get(id)?.offsets, position)) confirmed.add(id);
    if (confirmed.size >= needed) return Promise.resolve({ confirmedBy: [...confirmed], satisfied: true });

    return new Promise<WaitOutcome>((resolve) => {
      const waiter: Waiter = {
        position,
        followers,
        needed,
        confirmed,
        resolve,
        cancelTimer: () => undefined,
      };
      waiter.cancelTimer = this.clock.after(timeoutMs, () => this.settle(waiter, false));
      this.waiters.add(waiter);
      this.ensureLoop();
    });
  }

  private ensureLoop(): void {
    if (this.loop) return;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      if (this.waiters.size > 0) this.ensureLoop();
    });
  }

  /** The newest committed offsets seen for a follower, if any round fetched them. */
  lastSeen(followerId: string): { offsets: CommittedOffsets; at: number } | undefined {
    return this.latest.get(followerId);
  }

  get pending(): number {
    return this.waiters.size;
  }

  private settle(waiter: Waiter, satisfied: boolean): void {
    if (!this.waiters.delete(waiter)) return;
    waiter.cancelTimer();
    waiter.resolve({ confirmedBy: [...waiter.confirmed], satisfied });
  }

  /**
   * Per follower, what it is known to hold: its group's committed offsets, and with applied
   * records on, the further of those and its records in the partitions being waited on. Either
   * source alone still confirms when the other cannot be read; both failing fails the round.
   */
  private async confirmedOffsets(followerIds: string[]): Promise<Map<string, CommittedOffsets>> {
    const committed = this.reader.committedOffsets(followerIds.map((id) => this.options.groupOf(id)));
    const { applied } = this.options;
    if (!applied) {
      const byGroup = await committed;
      return new Map(followerIds.flatMap((id) => { const o = byGroup.get(this.options.groupOf(id)); return o ? [[id, o] as const] : []; }));
    }
    const partitions = new Set<number>();
    for (const w of this.waiters) partitions.add(w.position.partition);
    const keys = followerIds.flatMap((followerId) => [...partitions].map((partition) => ({ followerId, partition })));
    const [fromGroups, fromRecords] = await Promise.allSettled([committed, applied.loadApplied(keys)]);
    if (fromGroups.status === 'rejected' && fromRecords.status === 'rejected') throw fromGroups.reason;
    if (fromGroups.status === 'rejected') this.log.warn('committed offset fetch failed; applied records only this round', { error: fromGroups.reason });
    if (fromRecords.status === 'rejected') this.log.warn('applied record read failed; committed offsets only this round', { error: fromRecords.reason });
    const records = fromRecords.status === 'fulfilled' ? appliedOffsetsByFollower(fromRecords.value) : new Map<string, Map<number, bigint>>();
    const result = new Map<string, CommittedOffsets>();
    for (const id of followerIds) {
      const group = fromGroups.status === 'fulfilled' ? fromGroups.value.get(this.options.groupOf(id)) : undefined;
      const offsets = furthest(group, records.get(id));
      if (offsets) result.set(id, offsets);
    }
    return result;
  }

  private async run(): Promise<void> {
    while (this.waiters.size > 0) {
      const wanted = new Set<string>();
      for (const w of this.waiters) for (const id of w.followers) if (!w.confirmed.has(id)) wanted.add(id);
      const followerIds = [...wanted];
      try {
        const byFollower = await this.confirmedOffsets(followerIds);
        this.rounds += 1;
        const at = this.clock.now();
        for (const id of followerIds) {
          // Replaced, not merged with earlier rounds: a rebuild moves a group back and forgets records.
          const offsets = byFollower.get(id);
          if (offsets) this.latest.set(id, { offsets, at });
        }
        for (const w of [...this.waiters]) {
          for (const id of w.followers) if (hasPassed(this.latest.get(id)?.offsets, w.position)) w.confirmed.add(id);
          if (w.confirmed.size >= w.needed) this.settle(w, true);
        }
      } catch (error) {
        // Waiters keep their deadlines; a broker blip only delays confirmation, it never fakes one.
        this.log.warn('committed offset fetch failed', { error });
        await this.clock.sleep(Math.max(this.options.pollMs, 50));
        continue;
      }
      if (this.waiters.size > 0) await this.clock.sleep(this.options.pollMs);
    }
  }
}
