import type { ControlState } from './control-state';
import type { ReplicationAdminPort } from './ports';
import { lagOf } from './positions';
import type { CandidateView } from './promotion';

export interface FollowerProgress {
  id: string;
  groupId: string;
  role: 'sync' | 'async' | 'delayed';
  priority: number;
  delayMs: number;
  committed: Record<string, string | null>;
  lag: { events: number; perPartition: Record<string, number> };
  group: { state: string; members: number };
  /** A live consumer is attached; stall detection refines this with progress over time. */
  healthy: boolean;
}

export interface ReplicationSnapshot {
  topicEnd: Record<string, string>;
  topicStart: Record<string, string>;
  followers: FollowerProgress[];
  fetchedAt: number;
}

/**
 * Reads the log's view of every follower in three admin rounds (end offsets, committed offsets,
 * group membership). Used by status and by promotion, never on the per-write path.
 */
export async function inspectReplication(
  admin: ReplicationAdminPort,
  state: ControlState,
  groupOf: (id: string) => string,
  now: () => number,
): Promise<ReplicationSnapshot> {
  const groups = state.followers.map((f) => groupOf(f.id));
  const [ends, committed, membership] = await Promise.all([
    admin.endOffsets(),
    admin.committedOffsets(groups),
    admin.groupMembership(groups),
  ]);
  const followers = [...state.followers]
    .sort((a, b) => a.priority - b.priority)
    .map((f): FollowerProgress => {
      const groupId = groupOf(f.id);
      const offsets = committed.get(groupId);
      const effective = new Map<number, bigint>();
      for (const [p, low] of ends.low) {
        const c = offsets?.get(p);
        effective.set(p, c !== undefined && c > low ? c : low);
      }
      const lag = lagOf(ends.high, effective);
      const group = membership.get(groupId) ?? { groupId, state: 'Unknown', members: 0 };
      return {
        id: f.id,
        groupId,
        role: f.delayMs > 0 ? 'delayed' : state.syncFollower === f.id ? 'sync' : 'async',
        priority: f.priority,
        delayMs: f.delayMs,
        committed: Object.fromEntries([...ends.high.keys()].map((p) => [String(p), offsets?.get(p)?.toString() ?? null])),
        lag: { events: lag.total, perPartition: Object.fromEntries([...lag.perPartition].map(([p, n]) => [String(p), n])) },
        group: { state: group.state, members: group.members },
        healthy: group.members > 0 && group.state !== 'Dead' && group.state !== 'Empty',
      };
    });
  return {
    topicEnd: Object.fromEntries([...ends.high].map(([p, o]) => [String(p), o.toString()])),
    topicStart: Object.fromEntries([...ends.low].map(([p, o]) => [String(p), o.toString()])),
    followers,
    fetchedAt: now(),
  };
}

export function candidateViews(snapshot: ReplicationSnapshot): Map<string, CandidateView> {
  return new Map(snapshot.followers.map((f) => [f.id, { id: f.id, healthy: f.healthy, lag: f.lag.events }]));
}
