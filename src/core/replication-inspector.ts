import { currentApplyLagMs, headKey } from './apply-lag';
import { type PartitionProgress, PROGRESS_WINDOW_MS, summarizeApplyLag } from './apply-progress';
import { type ConsumerView, restartingReason, viewConsumer } from './consumer-state';
import type { ControlState } from './control-state';
import type { ApplyProgressStore, ConsumerStateStore, Log, LogHeadReader, ReplicationAdmin } from './ports';
import { lagOf } from './positions';
import type { CandidateView } from './promotion';
import { assessHealth, type PartitionFacts } from './replica-health';

export interface FollowerProgress {
  id: string;
  groupId: string;
  /** Records of deposed leaders this replica refused (DLQ reason `fenced`), all partitions. */
  fencedRefusals: number;
  role: 'sync' | 'async' | 'delayed';
  priority: number;
  delayMs: number;
  committed: Record<string, string | null>;
  lag: { events: number; perPartition: Record<string, number> };
  /**
   * Apply lag in time. `current` is 0 when nothing waits; while events wait it is how long the
   * first unapplied event (the record at the committed offset) has waited since its commit, the
   * oldest over partitions, read from the log (core/apply-lag.ts), so a stopped follower's lag
   * climbs in step with the clock. `last`/`p99`/`max` come from the batches the follower
   * recorded (appliedAt − leader commit time of each batch's oldest event) over `windowMs`.
   */
  applyLagMs: { current: number; last: number | null; p99: number | null; max: number | null; samples: number; windowMs: number };
  lastAppliedAt: number | null;
  lastProgressAt: number | null;
  group: { state: string; members: number };
  /** What the process running its local consumer reports (running, restarting and why); null in AWS. */
  consumer: ConsumerView | null;
  /** A live consumer is attached and the follower is not stalled (see replica-health.ts). */
  healthy: boolean;
  healthReason: string | null;
}

export interface ReplicationSnapshot {
  topicEnd: Record<string, string>;
  topicStart: Record<string, string>;
  followers: FollowerProgress[];
  fetchedAt: number;
}

/** Where replication facts come from: the log (admin API and head records), the followers' progress items and consumer reports. */
export interface ReplicationSources {
  admin: ReplicationAdmin;
  progress: Pick<ApplyProgressStore, 'loadProgress'>;
  heads: LogHeadReader;
  consumers: Pick<ConsumerStateStore, 'load'>;
  groupOf: (id: string) => string;
  /** Events waiting longer than this (plus a delayed follower's delay) with no progress = stalled. */
  stallMs: number;
  /** Failures to read the head records or the consumer reports are logged; status still answers. */
  log?: Log;
  now: () => number;
}

/**
 * Reads every follower's state in one parallel round: end offsets, committed offsets, group
 * membership, the offsets older than each stall threshold, and the progress items. Used by status,
 * by replica choice for reads and by promotion, so all three agree on who is healthy.
 */
export async function inspectReplication(sources: ReplicationSources, state: ControlState): Promise<ReplicationSnapshot> {
  const { admin, groupOf } = sources;
  const startedAt = sources.now();
  const ids = state.followers.map((f) => f.id);
  const groups = ids.map(groupOf);
  const thresholds = [...new Set(state.followers.map((f) => sources.stallMs + f.delayMs))];
  const endsPromise = admin.endOffsets();
  const [ends, committed, membership, progress, recent, reports] = await Promise.all([
    endsPromise,
    admin.committedOffsets(groups),
    admin.groupMembership(groups),
    endsPromise.then((e) => sources.progress.loadProgress(ids.flatMap((followerId) => [...e.high.keys()].map((partition) => ({ followerId, partition }))))),
    Promise.all(thresholds.map(async (t) => [t, await admin.offsetsAtTime(startedAt - t)] as const)).then((entries) => new Map(entries)),
    sources.consumers.load(ids).catch((error: unknown) => {
      sources.log?.warn('consumer reports could not be read; status shows none', { error });
      return new Map();
    }),
  ]);

  // Each follower's next offset per partition, then one read of every waiting head record.
  const nextOf = new Map<string, Map<number, bigint>>();
  const waitingHeads = new Map<string, { partition: number; offset: bigint }>();
  for (const f of state.followers) {
    const offsets = committed.get(groupOf(f.id));
    const next = new Map<number, bigint>();
    for (const [p, low] of ends.low) {
      const c = offsets?.get(p);
      const n = c !== undefined && c > low ? c : low;
      next.set(p, n);
      if (n < (ends.high.get(p) ?? n)) waitingHeads.set(headKey(p, n), { partition: p, offset: n });
    }
    nextOf.set(f.id, next);
  }
  const headTimes =
    waitingHeads.size === 0
      ? new Map<string, number>()
      : await sources.heads.commitTimesAt([...waitingHeads.values()]).catch((error: unknown) => {
          sources.log?.warn('head records could not be read; current apply lag falls back to lower bounds', { error });
          return new Map<string, number>();
        });

  const now = sources.now();
  const followers = [...state.followers]
    .sort((a, b) => a.priority - b.priority)
    .map((f): FollowerProgress => {
      const groupId = groupOf(f.id);
      const offsets = committed.get(groupId);
      const threshold = sources.stallMs + f.delayMs;
      const firstRecent = recent.get(threshold);
      const mine = progress.filter((p) => p.followerId === f.id);
      const effective = nextOf.get(f.id) ?? new Map<number, bigint>();
      const facts: PartitionFacts[] = [...effective].map(([p, next]) => {
        const end = ends.high.get(p) ?? next;
        return { partition: p, next, end, firstRecent: firstRecent?.get(p) ?? end, progress: mine.find((m) => m.partition === p) };
      });
      const lag = lagOf(ends.high, effective);
      const group = membership.get(groupId) ?? { groupId, state: 'Unknown', members: 0 };
      const consumer = viewConsumer(reports.get(f.id), group.members, now);
      const verdict = assessHealth(group, facts, threshold, now);
      const summary = summarizeApplyLag(mine, now);
      const heads = facts.map((p) => ({
        partition: p.partition,
        waiting: p.next < p.end,
        committedAt: headTimes.get(headKey(p.partition, p.next)),
        olderThanThreshold: p.next < p.end && p.next < p.firstRecent,
      }));
      return {
        id: f.id,
        groupId,
        role: f.delayMs > 0 ? 'delayed' : state.syncFollower === f.id ? 'sync' : 'async',
        priority: f.priority,
        delayMs: f.delayMs,
        committed: Object.fromEntries([...ends.high.keys()].map((p) => [String(p), offsets?.get(p)?.toString() ?? null])),
        lag: { events: lag.total, perPartition: Object.fromEntries([...lag.perPartition].map(([p, n]) => [String(p), n])) },
        applyLagMs: {
          current: currentApplyLagMs(heads, { lastBatchLagMs: summary.last, thresholdMs: threshold }, now),
          last: summary.last,
          p99: summary.p99,
          max: summary.max,
          samples: summary.samples,
          windowMs: PROGRESS_WINDOW_MS,
        },
        lastAppliedAt: summary.lastAppliedAt,
        lastProgressAt: latestProgress(mine),
        fencedRefusals: mine.reduce((n, p) => n + p.fenced, 0),
        group: { state: group.state, members: group.members },
        consumer,
        healthy: verdict.healthy,
        // "No live consumer" is true but says less than "restarting after <the failure>".
        healthReason: !verdict.healthy && consumer?.state === 'restarting' ? restartingReason(consumer, now) : verdict.reason,
      };
    });
  return {
    topicEnd: Object.fromEntries([...ends.high].map(([p, o]) => [String(p), o.toString()])),
    topicStart: Object.fromEntries([...ends.low].map(([p, o]) => [String(p), o.toString()])),
    followers,
    fetchedAt: now,
  };
}

function latestProgress(progress: readonly PartitionProgress[]): number | null {
  return progress.reduce<number | null>((max, p) => (max === null || p.lastProgressAt > max ? p.lastProgressAt : max), null);
}

export function candidateViews(snapshot: ReplicationSnapshot): Map<string, CandidateView> {
  return new Map(snapshot.followers.map((f) => [f.id, { id: f.id, healthy: f.healthy, lag: f.lag.events }]));
}
