import type { ChangeEvent } from './change-event';

/**
 * The one rule for "which version of a key is newer". A stamp is where one state stands in its
 * key's history: the leader's term, as the major part, then its per-key counter. Items and events
 * carry no term yet (every stamp without one is of the same term, so only versions decide); the
 * leader failover work gives them one, which changes this file and the DynamoDB condition builder
 * (adapters/dynamodb/version-conditions.ts) and no caller, because callers hand whole stamps (an
 * event, an item, a publish record, a rewind view) to these functions and never compare the
 * fields themselves.
 */
export interface VersionStamp {
  readonly term?: number;
  readonly version: number;
}

/** The stamp's own fields, without whatever else the object carries (an event, an item). */
export function stampOf(source: VersionStamp): VersionStamp {
  return source.term === undefined ? { version: source.version } : { term: source.term, version: source.version };
}

/** Negative when `a` is older than `b`, 0 for the same version, positive when `a` is newer. */
export function compareVersions(a: VersionStamp, b: VersionStamp): number {
  return (a.term ?? 0) - (b.term ?? 0) || a.version - b.version;
}

/**
 * A replica's visible state only moves forward: an event is applied only when its version is
 * strictly newer than what the replica holds. Equal versions are redeliveries; older ones are
 * reorderings or replays. Both are harmless no-ops.
 */
export function isNewer(incoming: VersionStamp, held: VersionStamp | undefined): boolean {
  return held === undefined || compareVersions(incoming, held) > 0;
}

export function isSameVersion(a: VersionStamp | undefined, b: VersionStamp | undefined): boolean {
  return a !== undefined && b !== undefined && compareVersions(a, b) === 0;
}

/** `held` is `wanted` or newer: what read-your-writes waits for. */
export function holdsAtLeast(held: VersionStamp | undefined, wanted: VersionStamp): boolean {
  return held !== undefined && compareVersions(held, wanted) >= 0;
}

/** Leader versions start at 1 and grow by one per write of the key, deletes included. */
export function nextVersion(current: VersionStamp | undefined): VersionStamp {
  return { version: (current?.version ?? 0) + 1 };
}

/**
 * What a conditional write expects of the version a store holds, in the shape of Emmett's
 * expected stream version: nothing held (`absent`), exactly this version (`exactly`: If-Match, a
 * repair of the copy verify saw, a lease on the current version), or nothing or an older version
 * (`older-than`: a replica's apply rule).
 */
export type ExpectedVersion =
  | { readonly kind: 'absent' }
  | { readonly kind: 'exactly'; readonly stamp: VersionStamp }
  | { readonly kind: 'older-than'; readonly stamp: VersionStamp };

export const Expected = {
  absent: { kind: 'absent' } as ExpectedVersion,
  exactly: (stamp: VersionStamp): ExpectedVersion => ({ kind: 'exactly', stamp: stampOf(stamp) }),
  olderThan: (stamp: VersionStamp): ExpectedVersion => ({ kind: 'older-than', stamp: stampOf(stamp) }),
  /** A repair's expectation: the copy it saw, or none. */
  heldAs: (seen: VersionStamp | undefined): ExpectedVersion => (seen === undefined ? Expected.absent : Expected.exactly(seen)),
};

/** Whether `current` (undefined: the store holds nothing) meets `expected`; the adapters' conditions say the same. */
export function matchesExpectedVersion(current: VersionStamp | undefined, expected: ExpectedVersion): boolean {
  switch (expected.kind) {
    case 'absent':
      return current === undefined;
    case 'exactly':
      return isSameVersion(current, expected.stamp);
    case 'older-than':
      return isNewer(expected.stamp, current);
  }
}

/**
 * Within one batch only the newest event per key matters (events carry full state), so a batch
 * that rewrites a hot key a hundred times costs one conditional write, not a hundred.
 * Keeps first-seen key order so logs read in log order.
 */
export function newestPerKey(events: readonly ChangeEvent[]): ChangeEvent[] {
  const newest = new Map<string, ChangeEvent>();
  for (const event of events) {
    if (isNewer(event, newest.get(event.key))) newest.set(event.key, event);
  }
  return [...newest.values()];
}
