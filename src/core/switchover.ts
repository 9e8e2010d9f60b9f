import { ConflictError } from './errors';
import type { Leadership, LeaderTransition, TermStart } from './leadership';

/**
 * A planned switchover as pure decisions over the leadership part of the control state
 * (docs/ARCHITECTURE.md, "Planned switchover"); the functions layer runs the waits between them
 * (drain the old leader's outbox, write the fence, let the target apply up to it) and applies
 * each next state by compare-and-set, so two switchovers requested at once make one new term.
 */
export interface LeaderControl {
  leadership: Leadership;
  /** Newest first. */
  terms: TermStart[];
  syncFollower: string | null;
  /** Newest first. */
  leaderHistory: LeaderChange[];
}

export interface LeaderChange {
  term: number;
  from: string;
  to: string;
  at: number;
  kind: 'switchover' | 'failover';
  by: string;
  reason: string;
  /** How long writes waited for leadership to move (requested → active). */
  pauseMs: number;
}

export interface TargetView {
  id: string;
  /** Replicas the control state knows, with their apply delay. */
  delayMs: number | undefined;
  healthy: boolean;
  healthReason?: string;
  /** Events it has not applied yet. */
  lagEvents: number;
}

export const TERM_HISTORY_LIMIT = 50;
export const LEADER_HISTORY_LIMIT = 20;

/** The first step: refuse what cannot be done, with the reason; otherwise hand over. */
export function beginSwitchover<S extends LeaderControl>(
  state: S,
  request: { to: string; by: string; reason: string; now: number; maxLagEvents: number },
  target: TargetView,
): S {
  const { leadership } = state;
  refuseWhileMoving(leadership);
  if (request.to === leadership.replica) throw new ConflictError(`${request.to} is the leader already (term ${leadership.term})`);
  if (target.delayMs === undefined) throw new ConflictError(`${request.to} is not a replica`);
  if (target.delayMs > 0) throw new ConflictError(`${request.to} is a delayed replica (${target.delayMs} ms behind by design) and can never lead`);
  if (!target.healthy) throw new ConflictError(`${request.to} is not healthy: ${target.healthReason ?? 'no live consumer'}`);
  if (target.lagEvents > request.maxLagEvents) {
    throw new ConflictError(`${request.to} is ${target.lagEvents} events behind (at most ${request.maxLagEvents} for a switchover); let it catch up first`);
  }
  const transition: LeaderTransition = {
    kind: 'switchover',
    from: leadership.replica,
    to: request.to,
    term: leadership.term + 1,
    requestedAt: request.now,
    by: request.by,
    reason: request.reason,
  };
  return { ...state, leadership: { ...leadership, state: 'handing-over', transition } };
}

/**
 * The first step of an unplanned failover: `failedLeader` must still lead (otherwise another
 * watchdog, or an operator, moved it already: this one lost the race); writes now wait.
 */
export function beginFailover<S extends LeaderControl>(state: S, request: { failedLeader: string; to: string; by: string; reason: string; now: number }): S {
  const { leadership } = state;
  if (leadership.replica !== request.failedLeader) {
    throw new ConflictError(`${request.failedLeader} does not lead any more (${leadership.replica} leads term ${leadership.term})`);
  }
  refuseWhileMoving(leadership);
  if (request.to === leadership.replica) throw new ConflictError(`${request.to} is the failed leader`);
  const transition: LeaderTransition = {
    kind: 'failover',
    from: leadership.replica,
    to: request.to,
    term: leadership.term + 1,
    requestedAt: request.now,
    by: request.by,
    reason: request.reason,
  };
  return { ...state, leadership: { ...leadership, state: 'electing', transition } };
}

/** One move at a time: a second one asked while the first runs is refused, so two requests make one new term. */
function refuseWhileMoving(leadership: Leadership): void {
  if (leadership.state === 'active') return;
  const t = leadership.transition;
  throw new ConflictError(`leadership is already moving (${t?.kind ?? leadership.state} to ${t?.to ?? '?'}, term ${t?.term ?? '?'})`);
}

/** The fence of the new term is in every partition: its positions go into the control state. */
export function recordFence<S extends LeaderControl>(state: S, term: number, fence: Record<string, string>): S {
  const t = state.leadership.transition;
  if (t === undefined || t.term !== term) throw new ConflictError(`no move to term ${term} is under way`);
  return { ...state, leadership: { ...state.leadership, transition: { ...t, fence } } };
}

/**
 * The target applied everything up to the fence: it leads the new term. If it was the sync
 * follower, the old leader (which holds everything, and follows from the fence on) takes its place.
 */
export function completeMove<S extends LeaderControl>(state: S, term: number, now: number): S {
  const t = state.leadership.transition;
  if (t === undefined || t.term !== term || t.fence === undefined) throw new ConflictError(`the move to term ${term} has no fence yet`);
  const change: LeaderChange = {
    term,
    from: t.from,
    to: t.to,
    at: now,
    kind: t.kind,
    by: t.by,
    reason: t.reason,
    pauseMs: Math.max(0, now - t.requestedAt),
  };
  return {
    ...state,
    leadership: { replica: t.to, term, since: now, state: 'active' },
    terms: [{ term, leader: t.to, startedAt: now, fence: t.fence }, ...state.terms].slice(0, TERM_HISTORY_LIMIT),
    syncFollower: state.syncFollower === t.to ? t.from : state.syncFollower,
    leaderHistory: [change, ...state.leaderHistory].slice(0, LEADER_HISTORY_LIMIT),
  };
}

/**
 * A move that cannot finish. Before its fence is in the log nothing happened: the old leader goes
 * on under its term. After it, the old term is over for every follower, so the old leader (which
 * holds everything, its outbox drained) leads again under a term of its own, fenced anew by the caller.
 */
export function abortMove<S extends LeaderControl>(state: S, term: number, now: number): { state: S; refence: boolean } {
  const { leadership } = state;
  const t = leadership.transition;
  if (t === undefined || t.term !== term) throw new ConflictError(`no move to term ${term} is under way`);
  if (t.fence === undefined) return { state: { ...state, leadership: { replica: leadership.replica, term: leadership.term, since: leadership.since, state: 'active' } }, refence: false };
  // A fresh requestedAt: the re-fence is a new move, and a watchdog that judges moves stuck by
  // their age must not call it off while the process that aborted is still writing its fence.
  const retry: LeaderTransition = { ...t, to: t.from, term: term + 1, requestedAt: now, reason: `${t.kind} to ${t.to} aborted: ${t.reason}` };
  delete retry.fence;
  // The aborted term took no writes, but its fence ends the old term: writes of the old term are
  // judged by it (leadership.ts).
  const ended: TermStart = { term, leader: t.to, startedAt: now, fence: t.fence };
  return {
    state: { ...state, leadership: { ...leadership, transition: retry }, terms: [ended, ...state.terms].slice(0, TERM_HISTORY_LIMIT) },
    refence: true,
  };
}
