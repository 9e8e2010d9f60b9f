import { type PartitionProgress, PROGRESS_WINDOW_MS, summarizeApplyLag } from './apply-progress';
import type { ControlState } from './control-state';
import type { ApplyProgressStore, ReplicationAdminPort } from './ports';
import { lagOf } from './positions';
import type { CandidateView } from './promotion';
import { assessHealth, type PartitionFacts, type PendingObserver } from './replica-health';

export interface FollowerProgress {
  id: string;
  groupId: string;
  role: 'sync' | 'async' | 'delayed';
  priority: number;
  delayMs: number;
  committed: Record<string, string | null>;
  lag: { events: number; perPartition: Record<string, number> };
  /**
   * Apply lag in time. `current` is 0 when nothing waits; while events wait it is at least the last
   * batch's lag and grows with the time the oldest waiting event is known to have waited, so a
   * stopped follower's lag visibly climbs. `last`/`p99`/`max` come from the batches the follower
   * recorded (appliedAt − leader commit time of each batch's oldest event) over `windowMs`.
   */
  applyLagMs: { current: number; last: number | null; p99: number | null; max: number | null; samples: number; windowMs: number };
  lastAppliedAt: number | null;
  lastProgressAt: number | null;
  group: { state: string; members: number };
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

/** Where replication facts come from: the log's admin API, the followers' progress items, and this process's memory. */
export interface ReplicationSources {
  admin: ReplicationAdminPort;
  progress: Pick<ApplyProgressStore, 'loadProgress'>;
  groupOf: (id: string) => string;
  /** Events waiting longer than this (plus a delayed follower's delay) with no progress = stalled. */
  stallMs: number;
  pending: PendingObserver;
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
  const groups = state.followers.map((f) => groupOf(f.id));
  const thresholds = [...new Set(state.followers.map((f) => sources.stallMs + f.delayMs))];
  const endsPromise = admin.endOffsets();
  const [ends, committed, membership, progress, recent] = await Promise.all([
    endsPromise,
    admin.committedOffsets(groups),
    admin.groupMembership(groups),
    endsPromise.then((e) =>
      sources.progress.loadProgress(state.followers.flatMap((f) => [...e.high.keys()].map((partition) => ({ followerId: f.id, partition })))),
    ),
    Promise.all(thresholds.map(async (t) => [t, await admin.offsetsAtTime(startedAt - t)] as const)).then((entries) => new Map(entries)),
  ]);
  const now = sources.now();
  const followers = [...state.followers]
    .sort((a, b) => a.priority - b.priority)
    .map((f): FollowerProgress => {
      const groupId = groupOf(f.id);
      const offsets = committed.get(groupId);
      const threshold = sources.stallMs + f.delayMs;
      const firstRecent = recent.get(threshold);
      const mine = progress.filter((p) => p.followerId === f.id);
      const effective = new Map<number, bigint>();
      const facts: PartitionFacts[] = [];
      let waitingSince = Number.POSITIVE_INFINITY;
      for (const [p, low] of ends.low) {
        const c = offsets?.get(p);
        const next = c !== undefined && c > low ? c : low;
        const end = ends.high.get(p) ?? next;
        effective.set(p, next);
        facts.push({ partition: p, next, end, firstRecent: firstRecent?.get(p) ?? end, progress: mine.find((m) => m.partition === p) });
        const since = sources.pending.observe(f.id, p, next, next < end, now);
        if (since !== undefined && since < waitingSince) waitingSince = since;
      }
      const lag = lagOf(ends.high, effective);
      const group = membership.get(groupId) ?? { groupId, state: 'Unknown', members: 0 };
      const verdict = assessHealth(group, facts, threshold, now);
      const summary = summarizeApplyLag(mine, now);
      return {
        id: f.id,
        groupId,
        role: f.delayMs > 0 ? 'delayed' : state.syncFollower === f.id ? 'sync' : 'async',
        priority: f.priority,
        delayMs: f.delayMs,
        committed: Object.fromEntries([...ends.high.keys()].map((p) => [String(p), offsets?.get(p)?.toString() ?? null])),
        lag: { events: lag.total, perPartition: Object.fromEntries([...lag.perPartition].map(([p, n]) => [String(p), n])) },
        applyLagMs: {
          current: currentLag(lag.total, summary.last, waitingSince, facts, threshold, now),
          last: summary.last,
          p99: summary.p99,
          max: summary.max,
          samples: summary.samples,
          windowMs: PROGRESS_WINDOW_MS,
        },
        lastAppliedAt: summary.lastAppliedAt,
        lastProgressAt: latestProgress(mine),
        group: { state: group.state, members: group.members },
        healthy: verdict.healthy,
        healthReason: verdict.reason,
      };
    });
  return {
    topicEnd: Object.fromEntries([...ends.high].map(([p, o]) => [String(p), o.toString()])),
    topicStart: Object.fromEntries([...ends.low].map(([p, o]) => [String(p), o.toString()])),
    followers,
    fetchedAt: now,
  };
}

/** Lower bounds only: every term is a wait some event is known to have had, so lag is never overstated. */
function currentLag(
  pendingEvents: number,
  last: number | null,
  waitingSince: number,
  facts: readonly PartitionFacts[],
  threshold: number,
  now: number,
): number {
  if (pendingEvents === 0) return 0;
  const observed = Number.isFinite(waitingSince) ? now - waitingSince : 0;
  const olderThanThreshold = facts.some((p) => p.next < p.end && p.next < p.firstRecent) ? threshold : 0;
  return Math.max(last ?? 0, observed, olderThanThreshold);
}

function latestProgress(progress: readonly PartitionProgress[]): number | null {
  return progress.reduce<number | null>((max, p) => (max === null || p.lastProgressAt > max ? p.lastProgressAt : max), null);
}

export function candidateViews(snapshot: ReplicationSnapshot): Map<string, CandidateView> {
  return new Map(snapshot.followers.map((f) => [f.id, { id: f.id, healthy: f.healthy, lag: f.lag.events }]));
}
