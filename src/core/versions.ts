import type { ChangeEvent } from './change-event';

/**
 * A replica's visible state only moves forward: an event is applied only when its version is
 * strictly newer than what the replica holds. Equal versions are redeliveries; older ones are
 * reorderings or replays. Both are harmless no-ops.
 */
export function isNewer(incoming: number, held: number | undefined): boolean {
  return held === undefined || incoming > held;
}

/** Leader versions start at 1 and grow by one per write of the key, deletes included. */
export function nextVersion(current: number | undefined): number {
  return (current ?? 0) + 1;
}

/**
 * Within one batch only the newest event per key matters (events carry full state), so a batch
 * that rewrites a hot key a hundred times costs one conditional write, not a hundred.
 * Keeps first-seen key order so logs read in log order.
 */
export function newestPerKey(events: readonly ChangeEvent[]): ChangeEvent[] {
  const newest = new Map<string, ChangeEvent>();
  for (const event of events) {
    const held = newest.get(event.key);
    if (held === undefined || event.version > held.version) newest.set(event.key, event);
  }
  return [...newest.values()];
}
