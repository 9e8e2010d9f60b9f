import type { LogPosition } from './positions';

/**
 * Who leads and under which term (docs/ARCHITECTURE.md, "The leader is a role"). A term is the
 * span in which one replica leads; every change event carries the term it was written under, and
 * a new term begins with a fence record in every partition of the log. Leadership lives in the
 * control state, changed only by compare-and-set.
 */
export interface Leadership {
  replica: string;
  term: number;
  /** When this term began (epoch ms). */
  since: number;
  /** `active`: writes are taken; otherwise leadership is moving and new writes wait. */
  state: 'active' | 'handing-over' | 'electing';
  transition?: LeaderTransition;
}

/** A move of leadership in progress: the old leader's term ends at `fence`, once written. */
export interface LeaderTransition {
  kind: 'switchover' | 'failover';
  from: string;
  to: string;
  term: number;
  requestedAt: number;
  by: string;
  reason: string;
  /** Partition → offset of the new term's fence record, once every one is in the log. */
  fence?: Record<string, string>;
}

/** A term that began, and where its fence sits in each partition (empty for the first term). */
export interface TermStart {
  term: number;
  leader: string;
  startedAt: number;
  fence: Record<string, string>;
}

export type TermVerdict =
  /** The write's record precedes any later term's fence: it is preserved by every leader after it. */
  | { kind: 'confirmed' }
  /** Leadership is moving and the fence is not in the log yet: whether the record precedes it is not known. */
  | { kind: 'wait'; reason: string }
  /** The record is at or after a later term's fence: followers refuse it, so it is never confirmed. */
  | { kind: 'not-leader'; leader: string; term: number };

/**
 * Whether a write published under `write.term` may be confirmed, judged from a control state read
 * *after* its publish finished. If that read shows the write's term still active with no move
 * under way, no fence can come before the record (a fence is written only after a move begins,
 * and the move began after the read). Otherwise the record's offset is compared with the fence of
 * the term that followed the write's.
 */
export function judgeWriteTerm(
  write: { term: number; position: LogPosition },
  view: { leadership: Leadership; terms: readonly TermStart[] },
): TermVerdict {
  const { leadership } = view;
  if (leadership.term === write.term) {
    if (leadership.state === 'active') return { kind: 'confirmed' };
    const fence = leadership.transition?.fence;
    if (fence === undefined) return { kind: 'wait', reason: `leadership is moving to ${leadership.transition?.to ?? 'another replica'}` };
    return precedes(write.position, fence)
      ? { kind: 'confirmed' }
      : { kind: 'not-leader', leader: leadership.transition?.to ?? leadership.replica, term: write.term + 1 };
  }
  if (leadership.term < write.term) {
    // Only a stale read of the control state can be behind the term a write was made under.
    return { kind: 'wait', reason: `the control state read shows term ${leadership.term}, older than the write's ${write.term}` };
  }
  const next = view.terms.find((t) => t.term === write.term + 1);
  if (next === undefined) return { kind: 'not-leader', leader: leadership.replica, term: leadership.term };
  return precedes(write.position, next.fence) ? { kind: 'confirmed' } : { kind: 'not-leader', leader: next.leader, term: next.term };
}

/** True when the record lies before the fence in its partition (a partition without a fence: not before). */
export function precedes(position: LogPosition, fence: Readonly<Record<string, string>>): boolean {
  const at = fence[String(position.partition)];
  return at !== undefined && BigInt(position.offset) < BigInt(at);
}
