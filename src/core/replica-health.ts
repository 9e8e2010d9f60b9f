import type { PartitionProgress } from './apply-progress';

/** What the log and the progress items say about one partition of one follower. */
export interface PartitionFacts {
  partition: number;
  /** The next offset the follower will apply (its committed offset, or the log start). */
  next: bigint;
  end: bigint;
  /** The first offset written at or after now − threshold: anything before it has waited longer. */
  firstRecent: bigint;
  progress: PartitionProgress | undefined;
}

export interface HealthVerdict {
  healthy: boolean;
  reason: string | null;
}

/**
 * A follower is unhealthy when nobody consumes for it, or when it is stalled: some partition has
 * events waiting longer than the threshold and the follower has not finished a batch there for
 * longer than the threshold. The second condition tells a stall apart from a follower that is
 * busy catching up (it is behind, but it moves), and the first from one that is merely idle
 * (nothing waits). Both are read from durable sources (the log and the progress items), so every
 * process, including a fresh Lambda container, reaches the same verdict.
 */
export function assessHealth(
  group: { state: string; members: number },
  partitions: readonly PartitionFacts[],
  thresholdMs: number,
  now: number,
): HealthVerdict {
  if (group.members === 0 || group.state === 'Dead' || group.state === 'Empty') {
    return { healthy: false, reason: `no live consumer in its group (${group.state})` };
  }
  const stalled = [...partitions].sort((a, b) => a.partition - b.partition).filter((p) => {
    const waiting = p.next < p.end && p.next < p.firstRecent;
    // A record behind the group's offset (a progress write that failed) still proves the follower
    // moved at lastProgressAt; it can only make the follower look older, never hide a stall.
    const movedRecently = p.progress !== undefined && now - p.progress.lastProgressAt <= thresholdMs;
    return waiting && !movedRecently;
  });
  if (stalled.length === 0) return { healthy: true, reason: null };
  const pending = stalled.reduce((n, p) => n + Number(p.end - p.next), 0);
  const last = Math.max(...stalled.map((p) => p.progress?.lastProgressAt ?? Number.NEGATIVE_INFINITY));
  const since = Number.isFinite(last) ? `no progress for ${now - last} ms` : 'no progress recorded';
  return {
    healthy: false,
    reason: `stalled: ${pending} events pending on partition ${stalled.map((p) => p.partition).join(', ')} for over ${thresholdMs} ms, ${since}`,
  };
}
