import type { LogPosition } from './positions';
import { precedes, type TermStart } from './leadership';
import { isNewer, isSameVersion } from './versions';

/**
 * Bringing a deposed leader's store back as a follower (`replog rejoin`, docs/ARCHITECTURE.md,
 * "Rejoin with rewind"), as pg_rewind does for a former primary. Its items written under a term
 * it led are compared with the current leader's: what the leader holds reached the log before that
 * term's end (the next term's fence) and stays; what it does not hold never did, so it was never
 * acknowledged, and it is reverted to the leader's state and reported, key by key.
 */
export interface RewindItem {
  key: string;
  term: number;
  version: number;
  deleted: boolean;
  digest: string;
  /** Where this version was recorded as published, if it was. */
  published?: LogPosition;
}

export interface LeaderItemView {
  term: number;
  version: number;
  deleted: boolean;
  digest: string;
}

export type RewindDecision =
  | { action: 'keep'; why: 'not-led-here' | 'on-the-leader' }
  /** Never acknowledged: write the leader's state (or remove the item when the leader has none). */
  | { action: 'revert'; why: 'never-in-log' | 'after-fence' }
  /**
   * In the log before the term ended, yet not on the leader: replication cannot have produced
   * this, so nothing is reverted and the operator is told (an acknowledged write may be at stake).
   */
  | { action: 'flag'; why: 'in-log-but-not-on-leader' };

export function decideRewind(
  item: RewindItem,
  leader: LeaderItemView | undefined,
  context: { replica: string; terms: readonly TermStart[] },
): RewindDecision {
  const led = context.terms.find((t) => t.term === item.term);
  if (led === undefined || led.leader !== context.replica) return { action: 'keep', why: 'not-led-here' };
  if (leader !== undefined && isSameVersion(leader, item) && leader.deleted === item.deleted && leader.digest === item.digest) {
    return { action: 'keep', why: 'on-the-leader' };
  }
  const next = context.terms.find((t) => t.term === item.term + 1);
  if (item.published === undefined) return { action: 'revert', why: 'never-in-log' };
  if (next === undefined || !precedes(item.published, next.fence)) return { action: 'revert', why: 'after-fence' };
  // Published before the fence: the new leader applied the log up to it before it took writes.
  const superseded = leader !== undefined && isNewer(leader, item);
  return superseded ? { action: 'keep', why: 'on-the-leader' } : { action: 'flag', why: 'in-log-but-not-on-leader' };
}
