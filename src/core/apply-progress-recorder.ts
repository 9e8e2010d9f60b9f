import { type BatchProgress, type PartitionProgress, withBatchProgress } from './apply-progress';
import type { ApplyProgressStore, Log } from './ports';

const CAS_ATTEMPTS = 3;

/**
 * Persists a follower's per-partition apply progress. Batches are folded into the progress item in
 * memory and written at most once per `flushEveryMs` per partition (a trailing timer writes what
 * the last batches left), so a busy follower pays one progress write per second per partition,
 * not one per batch on its commit path. The item is cached after the first read; a lost
 * compare-and-set (the partition moved to another container meanwhile) re-reads and merges.
 *
 * Between two writes the group's committed offset may run ahead of the recorded progress; the
 * health check treats a record behind the group offset as progress at its own time, which is at
 * most `flushEveryMs` old, far below the stall threshold.
 *
 * Recording never fails a batch: the batch is already in the follower's table, and stopping
 * replication because an observability write failed would trade a real outage for a cosmetic one.
 */
export class ApplyProgressRecorder {
  private readonly cache = new Map<string, PartitionProgress>();
  private readonly pending = new Map<string, { followerId: string; batches: BatchProgress[] }>();
  private readonly lastFlush = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly flushing = new Map<string, Promise<PartitionProgress | undefined>>();

  constructor(
    private readonly store: ApplyProgressStore,
    private readonly log: Log,
    private readonly flushEveryMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a batch; resolves with the stored progress when this call wrote it. */
  async record(followerId: string, batch: BatchProgress): Promise<PartitionProgress | undefined> {
    const key = `${followerId}|${batch.partition}`;
    const queued = this.pending.get(key) ?? { followerId, batches: [] };
    queued.batches.push(batch);
    this.pending.set(key, queued);
    const dueIn = (this.lastFlush.get(key) ?? Number.NEGATIVE_INFINITY) + this.flushEveryMs - this.now();
    if (dueIn <= 0) return this.flush(key);
    if (!this.timers.has(key)) {
      const timer = setTimeout(() => void this.flush(key), dueIn);
      timer.unref?.();
      this.timers.set(key, timer);
    }
    return undefined;
  }

  /** Writes everything still held in memory (shutdown, tests). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((key) => this.flush(key)));
  }

  private async flush(key: string): Promise<PartitionProgress | undefined> {
    const running = this.flushing.get(key);
    if (running) await running;
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
    const queued = this.pending.get(key);
    if (!queued || queued.batches.length === 0) return this.cache.get(key);
    this.pending.delete(key);
    this.lastFlush.set(key, this.now());
    const write = this.write(key, queued.followerId, queued.batches).finally(() => this.flushing.delete(key));
    this.flushing.set(key, write);
    return write;
  }

  private async write(key: string, followerId: string, batches: BatchProgress[]): Promise<PartitionProgress | undefined> {
    const partition = batches[0]?.partition as number;
    // Several batches fold into one write, which is one step of the item's compare-and-set sequence.
    const fold = (previous: PartitionProgress | undefined): PartitionProgress => ({
      ...(batches.reduce<PartitionProgress | undefined>((acc, b) => withBatchProgress(acc, followerId, b), previous) as PartitionProgress),
      seq: (previous?.seq ?? 0) + 1,
    });
    try {
      let previous = this.cache.get(key);
      if (previous === undefined) [previous] = await this.store.loadProgress([{ followerId, partition }]);
      for (let attempt = 1; ; attempt++) {
        const next = fold(previous);
        if (await this.store.saveProgress(next)) {
          this.cache.set(key, next);
          return next;
        }
        if (attempt >= CAS_ATTEMPTS) throw new Error(`progress item kept changing under us (${attempt} attempts)`);
        [previous] = await this.store.loadProgress([{ followerId, partition }]);
      }
    } catch (error) {
      this.cache.delete(key);
      this.log.warn('apply progress not recorded; apply-lag figures for these batches are lost', {
        partition,
        committedThrough: batches[batches.length - 1]?.committedThrough,
        batches: batches.length,
        error,
      });
      return undefined;
    }
  }
}
