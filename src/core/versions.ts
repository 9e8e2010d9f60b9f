import type { ChangeEvent } from './change-event';

/**
 * The one rule for "which version of a key is newer". A stamp is where one state stands in its
 * key's history: the leader's term, as the major part, then its per-key counter, so the order is
 * total across terms: whatever a deposed leader wrote under its term is older than anything its
 * successor writes. A stamp without a term (items and events written before terms) is of the
 * first term. Callers hand whole stamps (an event, an item, a publish record, a rewind view) to
 * these functions and never compare the fields themselves; adapters/dynamodb/version-conditions.ts
 * says the same in DynamoDB conditions.
 */
export interface VersionStamp {
  readonly term?: number;
  readonly version: number;
}

/** The term every replog started in; stamps without a term belong to it. */
export const FIRST_TERM = 1;

export function termOf(stamp: VersionStamp): number {
  return stamp.term ?? FIRST_TERM;
}

/**
 * The stamp's own fields, without whatever else the object carries (an event, an item), in one
 * canonical form: the first term is left out, so a stamp read from before terms equals its twin.
 */
export function stampOf(source: VersionStamp): VersionStamp {
  const term = termOf(source);
  return term === FIRST_TERM ? { version: source.version } : { term, version: source.version };
}

/** Negative when `a` is older than `b`, 0 for the same version, positive when `a` is newer. */
export function compareVersions(a: VersionStamp, b: VersionStamp): number {
  return termOf(a) - termOf(b) || a.version - b.version;
}

/** `1` for the first term's stamps, `2:14` for version 14 written in term 2 (logs, errors, status). */
export function formatStamp(stamp: VersionStamp): string {
  const term = termOf(stamp);
  return term === FIRST_TERM ? String(stamp.version) : `${term}:${stamp.version}`;
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

/**
 * `held` is the client's version number or newer: what read-your-writes waits for. Clients see
 * version numbers only (the ETag, `minVersion`); numbers grow across terms, so they order alone.
 */
export function holdsAtLeast(held: VersionStamp | undefined, wantedVersion: number): boolean {
  return held !== undefined && held.version >= wantedVersion;
}

/**
 * Leader versions start at 1 and grow by one per write of the key, deletes included, across terms
 * too (so a version number alone still names one write for If-Match); the new stamp carries the
 * writer's term.
 */
export function nextVersion(current: VersionStamp | undefined, term: number = FIRST_TERM): VersionStamp {
  return stampOf({ term, version: (current?.version ?? 0) + 1 });
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
  | { readonly kind: 'older-than'; readonly stamp: VersionStamp }
  | { readonly kind: 'counter'; readonly version: number };

export const Expected = {
  absent: { kind: 'absent' } as ExpectedVersion,
  exactly: (stamp: VersionStamp): ExpectedVersion => ({ kind: 'exactly', stamp: stampOf(stamp) }),
  /** If-Match: the client names a version number; the term it was written in does not matter (numbers never repeat per key). */
  counter: (version: number): ExpectedVersion => ({ kind: 'counter', version }),
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
    case 'counter':
      return current !== undefined && current.version === expected.version;
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
