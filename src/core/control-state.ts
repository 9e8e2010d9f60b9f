import { ConflictError } from './errors';

/**
 * Replication control state: who follows, in which priority, and who is the sync follower.
 * It lives in one control-table item and only changes by compare-and-set on `revision`, so every
 * leader invocation (many Lambda containers, or several local processes) agrees on the sync
 * follower: a stale writer's CAS fails and it re-reads. (`revision` was called `epoch` before;
 * the name is kept free for leader terms.)
 */
export interface FollowerEntry {
  id: string;
  /** Lower is preferred when promotion candidates are equally caught up. */
  priority: number;
  delayMs: number;
}

export interface SyncChange {
  /** The revision this change produced. */
  revision: number;
  from: string | null;
  to: string;
  at: number;
  reason: string;
  kind: 'promotion' | 'designation';
}

export interface ControlState {
  /** The compare-and-set revision: 1 for the first state, one more for every change. */
  revision: number;
  followers: FollowerEntry[];
  syncFollower: string | null;
  promotions: number;
  /** Newest first, capped, so the item stays small. */
  history: SyncChange[];
  updatedAt: number;
}

export const HISTORY_LIMIT = 20;

export function initialControlState(
  followers: { id: string; delayMs: number }[],
  syncFollower: string | undefined,
  now: number,
): ControlState {
  return {
    revision: 1,
    followers: followers.map((f, i) => ({ id: f.id, priority: i, delayMs: f.delayMs })),
    syncFollower: syncFollower ?? null,
    promotions: 0,
    history: [],
    updatedAt: now,
  };
}

/** Delayed followers confirm nothing promptly by design, so they never count for sync acks. */
export function syncCapable(state: ControlState): FollowerEntry[] {
  return state.followers.filter((f) => f.delayMs === 0).sort((a, b) => a.priority - b.priority);
}

export function withSyncFollower(
  state: ControlState,
  to: string,
  kind: SyncChange['kind'],
  reason: string,
  now: number,
): ControlState {
  const entry = state.followers.find((f) => f.id === to);
  if (!entry) throw new ConflictError(`${to} is not a configured follower`);
  if (entry.delayMs > 0) throw new ConflictError(`${to} is a delayed follower and can never be the sync follower`);
  const change: SyncChange = { revision: state.revision + 1, from: state.syncFollower, to, at: now, reason, kind };
  return {
    ...state,
    revision: state.revision + 1,
    syncFollower: to,
    promotions: state.promotions + (kind === 'promotion' ? 1 : 0),
    history: [change, ...state.history].slice(0, HISTORY_LIMIT),
    updatedAt: now,
  };
}

export function withFollowerAdded(state: ControlState, id: string, delayMs: number, now: number): ControlState {
  if (state.followers.some((f) => f.id === id)) throw new ConflictError(`follower ${id} already exists`);
  const priority = state.followers.reduce((max, f) => Math.max(max, f.priority), -1) + 1;
  return { ...state, revision: state.revision + 1, followers: [...state.followers, { id, priority, delayMs }], updatedAt: now };
}

export function withFollowerRemoved(state: ControlState, id: string, now: number): ControlState {
  if (!state.followers.some((f) => f.id === id)) throw new ConflictError(`follower ${id} does not exist`);
  if (state.syncFollower === id) {
    throw new ConflictError(`follower ${id} is the sync follower; designate another one first`);
  }
  return { ...state, revision: state.revision + 1, followers: state.followers.filter((f) => f.id !== id), updatedAt: now };
}
