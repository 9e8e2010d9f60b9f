import type { ReplayMode } from './replay-plan';

/**
 * The durable record of a replay in progress, one per follower, kept next to the control state.
 * It is the replay's lease (a live runtime keeps that follower's consumer stopped while the lease
 * is fresh), and what lets an interrupted replay resume instead of starting over: a rebuild must
 * not recreate the table again, and a catch-up must keep its original start.
 */
export interface ReplayJournalEntry {
  followerId: string;
  mode: ReplayMode;
  /** `--from` as given on the first run. */
  from: string;
  /** A rebuild records that the table was recreated, so a resumed run never empties it again. */
  phase: 'recreating-table' | 'replaying';
  /** Partition → offset, as decimal strings (JSON has no bigint). */
  starts: Record<string, string>;
  targets: Record<string, string>;
  progress: Record<string, string>;
  /** Who holds the lease: `pid@host` plus a random suffix. */
  owner: string;
  startedAt: number;
  /** Refreshed at every checkpoint; 0 once the owner let go (interrupted cleanly). */
  heartbeatAt: number;
  runs: number;
}

/** A lease not refreshed for this long belongs to a dead replay and may be taken over. */
export const REPLAY_LEASE_MS = 15_000;

export function leaseIsHeld(entry: ReplayJournalEntry, now: number, leaseMs = REPLAY_LEASE_MS): boolean {
  return entry.heartbeatAt > 0 && now - entry.heartbeatAt < leaseMs;
}
