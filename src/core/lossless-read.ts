import { type AckMode, formatAckMode } from './ack-mode';
import { confirmersOf } from './confirmers';
import { ReplogError } from './errors';
import type { OffsetWatcher } from './offset-watcher';
import type { StoredItem } from './ports';
import type { LogPosition } from './positions';
import type { SyncRoster } from './sync-roster';

/**
 * Lossless reads (REPLOG_LOSSLESS_READS, `?lossless=true`; docs/ARCHITECTURE.md, "Lossless
 * reads"), MySQL's AFTER_SYNC for replog: a read from the leader answers with a version only once
 * the ack mode's followers confirmed it, so no client sees a write that a failover then loses.
 * The leader commits before it publishes, so its table can hold a version nobody else has yet;
 * the read waits until the version's publish is recorded on the item and the followers the mode
 * names committed past that record, and answers 503 when that takes longer than it may wait.
 */
export interface LosslessReadDeps {
  /** A consistent read of the leader's item, with where its version was published (`published`). */
  read: (key: string) => Promise<StoredItem | undefined>;
  /** Resolves when the ack mode's followers committed past `position`, or `false` at the deadline. */
  confirmed: (position: LogPosition, timeoutMs: number) => Promise<boolean>;
  /** Who must confirm, for the message: "the sync follower follower-1". */
  confirmers: () => string;
  maxWaitMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** The 503 of a read whose newest version is not confirmed in time: nothing is wrong, ask again. */
export class UnconfirmedReadError extends ReplogError {
  constructor(item: StoredItem, waitedMs: number, confirmers: string, position: LogPosition | undefined) {
    const where = position === undefined ? 'its publish is not recorded yet' : `it is in the log at ${position.partition}/${position.offset}`;
    super(
      'UNAVAILABLE',
      503,
      `version ${item.version} of ${JSON.stringify(item.key)} is committed on the leader but not confirmed by ${confirmers} yet (${where}; waited ${waitedMs} ms): a lossless read does not show a version a failover could lose; ask again`,
      { retriable: true, details: { key: item.key, version: item.version, term: item.term ?? 1, published: position !== undefined, waitedMs } },
    );
  }
}

const FIRST_POLL_MS = 2;
const MAX_POLL_MS = 25;

export async function readLossless(deps: LosslessReadDeps, key: string): Promise<StoredItem | undefined> {
  const started = deps.now();
  const deadline = started + deps.maxWaitMs;
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
    const item = await deps.read(key);
    if (item === undefined) return undefined;
    // No open lease and no record: a version from before publishes were recorded, long settled.
    if (item.published === undefined && item.outboxAt === undefined) return item;
    if (item.published !== undefined && (await deps.confirmed(item.published, Math.max(0, deadline - deps.now())))) return item;
    const left = deadline - deps.now();
    if (left <= 0) throw new UnconfirmedReadError(item, deps.now() - started, deps.confirmers(), item.published);
    // Not published yet, or a newer version's publish is being confirmed: read again shortly.
    await deps.sleep(Math.min(pause, left));
  }
}

/** Who confirms a position under the default mode, answered from the followers' committed offsets. */
export interface ReadConfirmations {
  confirmed: (position: LogPosition, timeoutMs: number) => Promise<boolean>;
  /** Who the last check waited for, for the 503's message. */
  confirmers: () => string;
}

export function readConfirmations(mode: AckMode, roster: Pick<SyncRoster, 'current'>, watcher: Pick<OffsetWatcher, 'waitFor'>): ReadConfirmations {
  let last = '';
  return {
    confirmed: async (position, timeoutMs) => {
      if (mode.kind === 'async') return true;
      const { followers, needed, describe } = confirmersOf(mode, await roster.current());
      last = describe;
      if (followers.length === 0 || needed > followers.length) return false;
      return (await watcher.waitFor(position, followers, needed, timeoutMs)).satisfied;
    },
    confirmers: () => last || formatAckMode(mode),
  };
}
