import { createHash } from 'node:crypto';
import type { JsonValue } from './item-value';
import type { StoredItem } from './ports';
import type { LogPosition } from './positions';
import { isNewer, isSameVersion, stampOf } from './versions';

/**
 * One item as `replog verify` compares replicas: its version, whether it is a tombstone, and a
 * digest of its value (sha-256 of the value with object keys sorted, so equal JSON compares equal
 * however it was serialised; '' for a tombstone). Digests keep a full-table comparison in memory.
 */
export interface ReplicaItemView {
  version: number;
  /** The leader term of this version (absent: the first term). */
  term?: number;
  deleted: boolean;
  digest: string;
  /** Leader items: where this version was recorded as published (absent while unrecorded). */
  published?: LogPosition;
  /** Leader items: this version's publish lease is still open (it may not be in the log yet). */
  inFlight?: boolean;
}

/**
 * - `missing`: the leader holds a live item; the follower has none, or only a tombstone older
 *   than the leader's version (it has not seen the key re-created).
 * - `extra`: the follower holds a live item; the leader has none, or deleted it at a newer version
 *   (the follower has not seen the delete).
 * - `stale`: both hold a live item and the follower's version is older.
 * - `differing`: anything else that does not match: the same version with other content or another
 *   deletion state, or a follower version newer than the leader's. Replication never produces
 *   these; a direct write to the follower table (or a restored leader table) does.
 * An absent item and a tombstone are the same visible state ("not there"), so leader tombstone vs
 * follower tombstone-or-absent is a match whatever the versions.
 */
export type DifferenceKind = 'missing' | 'extra' | 'stale' | 'differing';

export interface Difference {
  key: string;
  kind: DifferenceKind;
  leader: ReplicaItemView | undefined;
  follower: ReplicaItemView | undefined;
}

function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`;
}

export function valueDigest(value: JsonValue | null, deleted: boolean): string {
  if (deleted) return '';
  return createHash('sha256').update(canonicalJson(value)).digest('base64');
}

export function viewOf(item: Pick<StoredItem, 'version' | 'deleted' | 'value'>): ReplicaItemView {
  return { ...stampOf(item), deleted: item.deleted, digest: valueDigest(item.value, item.deleted) };
}

export function classifyDifference(
  leader: ReplicaItemView | undefined,
  follower: ReplicaItemView | undefined,
): DifferenceKind | undefined {
  const leaderLive = leader !== undefined && !leader.deleted;
  const followerLive = follower !== undefined && !follower.deleted;
  if (!leaderLive && !followerLive) return undefined;
  if (leaderLive && !followerLive) {
    return isNewer(leader, follower) ? 'missing' : 'differing';
  }
  if (!leaderLive && followerLive) {
    return leader === undefined || isNewer(leader, follower) ? 'extra' : 'differing';
  }
  const l = leader as ReplicaItemView;
  const f = follower as ReplicaItemView;
  if (isNewer(l, f)) return 'stale';
  if (!isSameVersion(f, l) || f.digest !== l.digest) return 'differing';
  return undefined;
}

/** Every key of either table whose follower copy does not match the leader's, in key order. */
export function compareReplicas(
  leader: ReadonlyMap<string, ReplicaItemView>,
  follower: ReadonlyMap<string, ReplicaItemView>,
): Difference[] {
  const differences: Difference[] = [];
  const consider = (key: string) => {
    const l = leader.get(key);
    const f = follower.get(key);
    const kind = classifyDifference(l, f);
    if (kind) differences.push({ key, kind, leader: l, follower: f });
  };
  for (const key of leader.keys()) consider(key);
  for (const key of follower.keys()) if (!leader.has(key)) consider(key);
  return differences.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * A difference the follower cannot have healed yet: the leader's version is still being published,
 * or it is in the log at or after what the follower's consumer group has committed. Only a state
 * replication will bring (not `differing`) can be pending.
 */
export function isPending(difference: Difference, committed: ReadonlyMap<number, bigint> | undefined): boolean {
  const leader = difference.leader;
  if (leader === undefined || difference.kind === 'differing') return false;
  if (leader.inFlight) return true;
  if (leader.published === undefined) return false;
  const next = committed?.get(leader.published.partition);
  return next === undefined || next <= BigInt(leader.published.offset);
}

export function countByKind(differences: readonly Difference[]): Record<DifferenceKind, number> {
  const counts: Record<DifferenceKind, number> = { missing: 0, extra: 0, stale: 0, differing: 0 };
  for (const d of differences) counts[d.kind] += 1;
  return counts;
}

/**
 * How `verify --repair` heals a difference.
 * - `republish`: the leader's state is newer than the follower's copy, so publishing the leader's
 *   current state (same version) through the log heals this follower and every other follower
 *   that lacks it, while followers that already hold it skip it as a redelivery.
 * - `overwrite`: the follower's copy claims a version the leader's state does not beat (same
 *   version with other content, or a newer version). A republished event would be skipped as old,
 *   so the leader's state is written directly into this one follower table.
 * - `remove`: the follower holds a live item the leader never had; there is no state to publish,
 *   so the item is removed from this follower table.
 */
export type RepairAction = 'republish' | 'overwrite' | 'remove';

export function repairActionFor(difference: Difference): RepairAction {
  if (difference.kind === 'differing') return 'overwrite';
  if (difference.kind === 'extra' && difference.leader === undefined) return 'remove';
  return 'republish';
}
