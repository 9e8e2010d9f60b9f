import { type BatchProgress, type PartitionProgress, withBatchProgress } from './apply-progress';
import type { ApplyProgressStore, Log } from './ports';

const CAS_ATTEMPTS = 3;

/**
 * Writes one progress item per applied batch and partition. The item is cached after the first
 * read, so the steady state is exactly one conditional write per batch; a lost compare-and-set
 * (the partition was processed by another container meanwhile) re-reads and merges.
 *
 * Recording never fails a batch: the batch is already in the follower's table, and stopping
 * replication because an observability write failed would trade a real outage for a cosmetic one.
 * A record left behind by a failed write only makes the follower look older than it is.
 */
export class ApplyProgressRecorder {
  private readonly cache = new Map<string, PartitionProgress>();

  constructor(
    private readonly store: ApplyProgressStore,
    private readonly log: Log,
  ) {}

  async record(followerId: string, batch: BatchProgress): Promise<PartitionProgress | undefined> {
    const cacheKey = `${followerId}|${batch.partition}`;
    try {
      let previous = this.cache.get(cacheKey);
      if (previous === undefined) [previous] = await this.store.loadProgress([{ followerId, partition: batch.partition }]);
      for (let attempt = 1; ; attempt++) {
        const next = withBatchProgress(previous, followerId, batch);
        if (await this.store.saveProgress(next)) {
          this.cache.set(cacheKey, next);
          return next;
        }
        if (attempt >= CAS_ATTEMPTS) throw new Error(`progress item kept changing under us (${attempt} attempts)`);
        [previous] = await this.store.loadProgress([{ followerId, partition: batch.partition }]);
      }
    } catch (error) {
      this.cache.delete(cacheKey);
      this.log.warn('apply progress not recorded; apply-lag figures for this batch are lost', {
        partition: batch.partition,
        committedThrough: batch.committedThrough,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }
}
