import type { PriorVersion, PublishedRecord, PublishLease } from './ports';
import { isNewer, isSameVersion, stampOf, type VersionStamp } from './versions';

/**
 * Per-key order in the replication log (docs/ARCHITECTURE.md, "Per-key order in the log").
 *
 * Two writes of one key can commit in one order and reach the log in the other when their
 * publishes overlap, from one process or from many. The rule that prevents it: **version N is
 * handed to the log only after every publish of an older version of the key has ended** — reached
 * the log, or given up for good. The leader item carries what that takes:
 * - a publish *lease* (the outbox mark: an id and a start time). Whoever holds it may hand its
 *   version to the log until `lease.at + window`, and never after (the publisher enforces it at
 *   the moment it hands records to Kafka);
 * - the last *published record* (version, lease, position), written once a publish is in the log.
 * A commit returns the item as it was, so the writer of N learns whether N-1's lease was still
 * open. If it was, N waits until N-1 is recorded as published, or until N-1's lease has run out
 * (plus a margin for clock skew and the hop into the client), whichever comes first.
 */

/** Clock skew between leader processes and the hop from the publisher's last check into the client. */
export const LEASE_MARGIN_MS = 1000;

export type PublishGate =
  /** Nothing older can still reach the log: publish now. */
  | { kind: 'go'; reason: 'first-version' | 'prior-published' | 'prior-lease-ended' }
  /** The prior version's lease is held by this process: publish once it is handed to our publisher. */
  | { kind: 'after-local'; lease: PublishLease }
  /** Another process holds the prior version's lease: wait for its record until `until`. */
  | { kind: 'after-remote'; prior: VersionStamp; lease: PublishLease; until: number };

/** True when `published` shows that the publish under `lease` of `prior` (or a newer version's) has ended. */
export function coversLease(published: PublishedRecord | undefined, prior: VersionStamp, lease: PublishLease): boolean {
  if (published === undefined) return false;
  return isNewer(published, prior) || (isSameVersion(published, prior) && published.lease === lease.id);
}

/** The moment a lease's holder may no longer hand its version to the log. */
export function leaseEnd(lease: PublishLease, windowMs: number): number {
  return lease.at + windowMs;
}

/** The moment a waiter may assume a lease's holder can no longer reach the log. */
export function leaseExpiry(lease: PublishLease, windowMs: number): number {
  return leaseEnd(lease, windowMs) + LEASE_MARGIN_MS;
}

export function publishGate(
  prior: PriorVersion | undefined,
  context: { now: number; windowMs: number; isLocal: (lease: PublishLease) => boolean },
): PublishGate {
  if (prior === undefined) return { kind: 'go', reason: 'first-version' };
  const { lease } = prior;
  if (lease === undefined || coversLease(prior.published, prior, lease)) return { kind: 'go', reason: 'prior-published' };
  const until = leaseExpiry(lease, context.windowMs);
  if (context.now >= until) return { kind: 'go', reason: 'prior-lease-ended' };
  if (context.isLocal(lease)) return { kind: 'after-local', lease };
  return { kind: 'after-remote', prior: stampOf(prior), lease, until };
}

/**
 * Whether a publish that was recorded `behind` a newer version's may have landed after it: then
 * the key's last record could be the older state and the newest must be published again.
 */
export function landedAfter(mine: PublishedRecord['position'], newer: PublishedRecord['position']): boolean {
  return mine.partition !== newer.partition || BigInt(mine.offset) > BigInt(newer.offset);
}
