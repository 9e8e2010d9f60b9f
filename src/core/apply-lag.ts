/**
 * A follower's `current` apply lag, read from the log so that every process (a status Lambda, the
 * dashboard's server, `replog status`) computes the same figure: how long the first event it has
 * not applied has waited since the leader committed it. That event is the record at the group's
 * committed offset, so the figure needs no memory of earlier observations and never starts
 * counting late.
 */
export interface PartitionHead {
  partition: number;
  /** Events wait on this partition (committed offset below the end offset). */
  waiting: boolean;
  /** Leader commit time of the record at the committed offset; undefined when it could not be read. */
  committedAt: number | undefined;
  /** Some waiting event is older than the stall threshold (from the log's offsets by time). */
  olderThanThreshold: boolean;
}

export function currentApplyLagMs(
  heads: readonly PartitionHead[],
  fallback: { lastBatchLagMs: number | null; thresholdMs: number },
  now: number,
): number {
  let lag = 0;
  for (const head of heads) {
    if (!head.waiting) continue;
    if (head.committedAt !== undefined) {
      lag = Math.max(lag, now - head.committedAt);
    } else {
      // Without the record, only lower bounds are known: the last batch's lag, and the threshold
      // once the log says an older event waits.
      lag = Math.max(lag, fallback.lastBatchLagMs ?? 0, head.olderThanThreshold ? fallback.thresholdMs : 0);
    }
  }
  // The leader's clock may run ahead of this process's: a wait is never negative.
  return Math.max(0, lag);
}

/** Where to read a head record: partition and offset, as one string key. */
export const headKey = (partition: number, offset: bigint): string => `${partition}:${offset}`;
