import { percentileOfSorted } from './percentile';

/**
 * A follower's apply progress on one partition, persisted once per batch (never per event) so the
 * status function, which in AWS runs in another process than the follower, can report apply lag
 * in time and tell a stalled follower from an idle one.
 *
 * One item per (follower, partition): Kafka hands a partition to exactly one consumer of a group
 * at a time (one Lambda poller, or one local consumer), so each item has one writer at a time and
 * a compare-and-set on `seq` is enough when a partition changes hands between containers.
 */
export interface LagSample {
  /** When the batch was applied (epoch ms). */
  at: number;
  /** appliedAt − leader commit time of the batch's oldest event: the longest any of its events waited. */
  lagMs: number;
}

export interface PartitionProgress {
  followerId: string;
  partition: number;
  seq: number;
  /** The offset the group commits after the newest recorded batch (its last offset + 1). */
  committedThrough: string;
  /** When the follower last finished a batch on this partition, whatever the batch held. */
  lastProgressAt: number;
  /** The newest batch that applied events: when, and its apply lag. */
  lastAppliedAt: number | null;
  lastLagMs: number | null;
  /** Oldest first, bounded by PROGRESS_WINDOW_SAMPLES and PROGRESS_WINDOW_MS. */
  samples: LagSample[];
  /** Records of deposed leaders refused on this partition, ever (core/fence.ts). */
  fenced: number;
}

export const PROGRESS_WINDOW_MS = 5 * 60_000;
export const PROGRESS_WINDOW_SAMPLES = 100;

export interface BatchProgress {
  partition: number;
  /** Last offset of the batch + 1. */
  committedThrough: string;
  finishedAt: number;
  /** Present when the batch applied at least one event (redeliveries and poison-only batches say nothing about lag). */
  lagMs?: number;
  /** Records the batch refused as a deposed leader's. */
  fenced?: number;
}

export function withBatchProgress(previous: PartitionProgress | undefined, followerId: string, batch: BatchProgress): PartitionProgress {
  const cutoff = batch.finishedAt - PROGRESS_WINDOW_MS;
  const kept = (previous?.samples ?? []).filter((s) => s.at >= cutoff);
  const samples = batch.lagMs === undefined ? kept : [...kept, { at: batch.finishedAt, lagMs: batch.lagMs }];
  const newerOffset =
    previous === undefined || BigInt(batch.committedThrough) > BigInt(previous.committedThrough)
      ? batch.committedThrough
      : previous.committedThrough;
  return {
    followerId,
    partition: batch.partition,
    seq: (previous?.seq ?? 0) + 1,
    committedThrough: newerOffset,
    lastProgressAt: batch.finishedAt,
    lastAppliedAt: batch.lagMs === undefined ? (previous?.lastAppliedAt ?? null) : batch.finishedAt,
    lastLagMs: batch.lagMs === undefined ? (previous?.lastLagMs ?? null) : batch.lagMs,
    samples: samples.slice(-PROGRESS_WINDOW_SAMPLES),
    fenced: (previous?.fenced ?? 0) + (batch.fenced ?? 0),
  };
}

export interface ApplyLagSummary {
  /** Apply lag of the follower's most recent applying batch, like PostgreSQL's replay_lag. */
  last: number | null;
  lastAppliedAt: number | null;
  /** Over the batches of the recent window, all partitions together. */
  p99: number | null;
  max: number | null;
  samples: number;
}

export function summarizeApplyLag(progress: readonly PartitionProgress[], now: number): ApplyLagSummary {
  let latest: PartitionProgress | undefined;
  for (const p of progress) {
    if (p.lastAppliedAt !== null && (latest?.lastAppliedAt == null || p.lastAppliedAt > latest.lastAppliedAt)) latest = p;
  }
  const cutoff = now - PROGRESS_WINDOW_MS;
  const lags = progress
    .flatMap((p) => p.samples)
    .filter((s) => s.at >= cutoff)
    .map((s) => s.lagMs)
    .sort((a, b) => a - b);
  return {
    last: latest?.lastLagMs ?? null,
    lastAppliedAt: latest?.lastAppliedAt ?? null,
    p99: lags.length === 0 ? null : percentileOfSorted(lags, 0.99),
    max: lags.length === 0 ? null : (lags[lags.length - 1] ?? null),
    samples: lags.length,
  };
}
