import { ConflictError } from './errors';
import type { Leadership, TermStart } from './leadership';
import { abortMove, beginFailover, beginSwitchover, completeMove, type LeaderControl, recordFence, type TargetView } from './switchover';

/** The replica whose table is `<prefix>-leader`; it leads the first term unless configured otherwise. */
export const DEFAULT_LEADER_REPLICA = 'main';
export const FIRST_TERM = 1;

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

/**
 * A replica that led a term and lost it to a failover: its store may hold versions it committed
 * and never published, so it neither consumes, confirms, serves reads nor leads until a rewind
 * (`replog rejoin`, functions/rejoin.ts) has put it back in line with the new leader.
 */
export interface RewindPending {
  replica: string;
  /** The last term it led. */
  term: number;
  /** When the failover made it one (epoch ms). */
  since: number;
  /** The priority it follows with once rejoined. */
  priority: number;
  /** A rewind under way: who runs it and since when, so two processes never rewind one replica at once. */
  claim?: { by: string; at: number };
}

/** A rewind claimed this long ago with no rejoin since was left by a process that died in it. */
export const REWIND_CLAIM_MS = 120_000;

export interface ControlState extends LeaderControl {
  /** The compare-and-set revision: 1 for the first state, one more for every change. */
  revision: number;
  /** Every replica but the leader, in priority order; a leadership move swaps the two replicas. */
  followers: FollowerEntry[];
  syncFollower: string | null;
  /** Deposed leaders waiting for their rewind; absent in states written before failover existed. */
  rewinding: RewindPending[];
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
  firstLeader: string = DEFAULT_LEADER_REPLICA,
): ControlState {
  // A configured first leader other than main: main follows in its place.
  const roster =
    firstLeader === DEFAULT_LEADER_REPLICA ? followers : [{ id: DEFAULT_LEADER_REPLICA, delayMs: 0 }, ...followers.filter((f) => f.id !== firstLeader)];
  const sync = syncFollower === firstLeader ? roster.find((f) => f.delayMs === 0)?.id : syncFollower;
  return {
    revision: 1,
    followers: roster.map((f, i) => ({ id: f.id, priority: i, delayMs: f.delayMs })),
    syncFollower: sync ?? null,
    rewinding: [],
    promotions: 0,
    history: [],
    updatedAt: now,
    ...firstTerm(firstLeader, now),
  };
}

/** The leadership of a state that has never moved: `leader` leads term 1, which has no fence. */
export function firstTerm(leader: string, since: number): Pick<ControlState, 'leadership' | 'terms' | 'leaderHistory'> {
  const leadership: Leadership = { replica: leader, term: FIRST_TERM, since, state: 'active' };
  const start: TermStart = { term: FIRST_TERM, leader, startedAt: since, fence: {} };
  return { leadership, terms: [start], leaderHistory: [] };
}

/** Every replica the state knows: the leader and its followers. */
export function replicaIds(state: ControlState): string[] {
  return [state.leadership.replica, ...state.followers.map((f) => f.id)];
}

const revised = (state: ControlState, now: number): ControlState => ({ ...state, revision: state.revision + 1, updatedAt: now });

/** Step 1 of a switchover (core/switchover.ts), as the next control state. */
export function withSwitchoverBegun(
  state: ControlState,
  request: { to: string; by: string; reason: string; now: number; maxLagEvents: number },
  target: TargetView,
): ControlState {
  return revised(beginSwitchover(state, request, target), request.now);
}

export function withFenceRecorded(state: ControlState, term: number, fence: Record<string, string>, now: number): ControlState {
  return revised(recordFence(state, term, fence), now);
}

/** Step 1 of an unplanned failover (functions/leader-failover.ts): `to` was elected (core/election.ts). */
export function withFailoverBegun(state: ControlState, request: { failedLeader: string; to: string; by: string; reason: string; now: number }): ControlState {
  return revised(beginFailover(state, request), request.now);
}

/**
 * The move is complete: the target leads and leaves the followers. After a switchover the old
 * leader (which holds everything up to the fence) follows in its place, with its priority; after
 * a failover it waits for its rewind instead, and the sync follower's place (if the target held
 * it) goes to the first sync-capable follower left.
 */
export function withLeaderMoved(state: ControlState, term: number, now: number): ControlState {
  const t = state.leadership.transition;
  const moved = completeMove(state, term, now);
  if (t === undefined || t.from === t.to) return revised(moved, now);
  const target = state.followers.find((f) => f.id === t.to);
  const followers = state.followers.filter((f) => f.id !== t.to);
  const priority = target?.priority ?? followers.length;
  if (t.kind === 'failover') {
    const lost: RewindPending = { replica: t.from, term: t.term - 1, since: now, priority };
    const rewinding = [...(state.rewinding ?? []).filter((r) => r.replica !== t.from), lost];
    const syncFollower = state.syncFollower === t.to ? (followers.filter((f) => f.delayMs === 0).sort((a, b) => a.priority - b.priority)[0]?.id ?? null) : moved.syncFollower;
    return revised({ ...moved, followers, rewinding, syncFollower }, now);
  }
  followers.push({ id: t.from, priority, delayMs: 0 });
  followers.sort((a, b) => a.priority - b.priority);
  return revised({ ...moved, followers }, now);
}

/** `by` starts the rewind of `replica`: refused while another process's claim is fresh. */
export function withRewindClaimed(state: ControlState, replica: string, by: string, now: number): ControlState {
  const pending = (state.rewinding ?? []).find((r) => r.replica === replica);
  if (pending === undefined) throw new ConflictError(`${replica} is not waiting for a rewind`);
  const claim = pending.claim;
  if (claim !== undefined && claim.by !== by && now - claim.at < REWIND_CLAIM_MS) {
    throw new ConflictError(`${replica} is being rewound by ${claim.by} (since ${new Date(claim.at).toISOString()})`);
  }
  return revised({ ...state, rewinding: state.rewinding.map((r) => (r.replica === replica ? { ...r, claim: { by, at: now } } : r)) }, now);
}

/** A rewound replica follows again (with the priority it had), and is the sync follower if there is none. */
export function withRejoined(state: ControlState, replica: string, now: number): ControlState {
  const pending = (state.rewinding ?? []).find((r) => r.replica === replica);
  if (pending === undefined) throw new ConflictError(`${replica} is not waiting for a rewind`);
  const followers = [...state.followers, { id: replica, priority: pending.priority, delayMs: 0 }].sort((a, b) => a.priority - b.priority);
  return revised(
    {
      ...state,
      followers,
      rewinding: state.rewinding.filter((r) => r.replica !== replica),
      syncFollower: state.syncFollower ?? replica,
    },
    now,
  );
}

/** A move that cannot finish (see abortMove): `refence` says a new fence must be written for the old leader's new term. */
export function withMoveAborted(state: ControlState, term: number, now: number): { state: ControlState; refence: boolean } {
  const out = abortMove(state, term, now);
  return { state: revised(out.state, now), refence: out.refence };
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
  if (state.leadership.replica === id) throw new ConflictError(`${id} is the leader (term ${state.leadership.term})`);
  if (state.followers.some((f) => f.id === id)) throw new ConflictError(`follower ${id} already exists`);
  const priority = state.followers.reduce((max, f) => Math.max(max, f.priority), -1) + 1;
  return { ...state, revision: state.revision + 1, followers: [...state.followers, { id, priority, delayMs }], updatedAt: now };
}

export function withFollowerRemoved(state: ControlState, id: string, now: number): ControlState {
  if (state.leadership.replica === id) throw new ConflictError(`${id} is the leader (term ${state.leadership.term}); move the leadership first`);
  if (!state.followers.some((f) => f.id === id)) throw new ConflictError(`follower ${id} does not exist`);
  if (state.syncFollower === id) {
    throw new ConflictError(`follower ${id} is the sync follower; designate another one first`);
  }
  return { ...state, revision: state.revision + 1, followers: state.followers.filter((f) => f.id !== id), updatedAt: now };
}
