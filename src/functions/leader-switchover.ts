import { withFenceRecorded, withLeaderMoved, withSwitchoverBegun } from '../core/control-state';
import { ConflictError, UnavailableError } from '../core/errors';
import { HAND_OVER_MIN_WAIT_MS } from '../core/leader-terms';
import type { MarkScanner } from '../core/ports';
import { inspectReplication, type ReplicationSources } from '../core/replication-inspector';
import type { OutboxRelayReport } from '../core/outbox-relay';
import { awaitApplied, callOff, casStep, loadState, type MoveDeps, writeFence } from './leader-move-steps';

/** A target this many events behind is refused: the write pause would be its catch-up. */
export const SWITCHOVER_MAX_LAG_EVENTS = 1000;

export interface SwitchoverDeps extends MoveDeps {
  replicationSources: ReplicationSources;
  /** The outbox marks of a replica, and one relay pass over them (functions/relay.ts). */
  marksOf: (replica: string) => MarkScanner;
  relayPass: (replica: string) => Promise<OutboxRelayReport>;
  /** REPLOG_CONTROL_TTL_MS: how long a writer may act on what it read of who leads. */
  controlTtlMs: number;
  /** How long the old leader's outbox may take to drain (a publish lease and its margin). */
  drainTimeoutMs: number;
}

export interface SwitchoverRequest {
  to: string;
  by: string;
  reason: string;
}

export interface SwitchoverReport {
  from: string;
  to: string;
  term: number;
  fence: Record<string, string>;
  /** Requested → the new leader takes writes: how long writes waited. */
  pauseMs: number;
  /** Marks of the old leader republished before the fence. */
  drained: number;
  revision: number;
}

/**
 * A planned switchover (docs/ARCHITECTURE.md, "Planned switchover"): the pure steps are in
 * core/switchover.ts and core/control-state.ts; this runs the waits between them, each step a
 * compare-and-set on the control state, so two switchovers requested at once make one new term.
 *
 * 1. begin: refuse a delayed, unhealthy, lagging or unknown target; writes now wait (leader-terms.ts).
 * 2. wait out every writer's view of the old term (REPLOG_CONTROL_TTL_MS, at least HAND_OVER_MIN_WAIT_MS).
 * 3. drain the old leader's outbox into the log, so nothing it committed is left behind the fence.
 * 4. write the fence of the new term in every partition and record where it landed.
 * 5. wait until the target applied everything up to the fence.
 * 6. switch roles: the target leads the new term, the old leader follows.
 * A move that cannot finish is called off: before the fence nothing happened; after it the old
 * leader leads again under a term of its own, fenced anew.
 */
export async function switchLeader(deps: SwitchoverDeps, request: SwitchoverRequest): Promise<SwitchoverReport> {
  const before = await loadState(deps.control);
  const snapshot = await inspectReplication(deps.replicationSources, before);
  // Writes pause from the begin on, not while the target is looked at.
  const requestedAt = deps.now();
  const view = snapshot.followers.find((f) => f.id === request.to);
  const target = {
    id: request.to,
    delayMs: view?.delayMs,
    healthy: view?.healthy ?? false,
    ...(view?.healthReason == null ? {} : { healthReason: view.healthReason }),
    lagEvents: view === undefined ? 0 : (view.lag.events ?? Number.POSITIVE_INFINITY),
  };
  const begun = withSwitchoverBegun(before, { ...request, now: requestedAt, maxLagEvents: SWITCHOVER_MAX_LAG_EVENTS }, target);
  if (!(await deps.control.replace(before.revision, begun))) {
    throw new ConflictError('the control state changed while the switchover began (another move or a promotion); look at the status and ask again');
  }
  const transition = begun.leadership.transition;
  if (transition === undefined) throw new UnavailableError('the switchover began without a transition');
  const { from, term } = transition;
  deps.log.info('switchover begun', { from, to: request.to, term, by: request.by, reason: request.reason });

  let fence: Record<string, string> | undefined;
  try {
    await deps.sleep(Math.max(deps.controlTtlMs, HAND_OVER_MIN_WAIT_MS) + 10);
    const drained = await drainOutbox(deps, from);
    fence = await writeFence(deps, term, request.to);
    const fenceAt = fence;
    await casStep(deps.control, (s) => withFenceRecorded(s, term, fenceAt, deps.now()));
    deps.log.info('fence written', { term, fence });
    await awaitApplied(deps, request.to, fence);
    const after = await casStep(deps.control, (s) => withLeaderMoved(s, term, deps.now()));
    const report = { from, to: request.to, term, fence, pauseMs: deps.now() - requestedAt, drained, revision: after.revision };
    deps.log.info('switchover complete', { ...report });
    return report;
  } catch (error) {
    await callOff(deps, term, error).catch((cause: unknown) => deps.log.error('a failed switchover could not be called off', { error: cause, term }));
    throw error;
  }
}

/** Republishes the old leader's outbox until it is empty: what it committed goes before the fence. */
async function drainOutbox(deps: SwitchoverDeps, replica: string): Promise<number> {
  const deadline = deps.now() + deps.drainTimeoutMs;
  let republished = 0;
  for (;;) {
    const marks = await deps.marksOf(replica).marksOlderThan(deps.now() + 1, 1);
    if (marks.length === 0) return republished;
    // Marks younger than the relay's grace belong to writes still publishing; the relay leaves them to their writers.
    republished += (await deps.relayPass(replica)).republished;
    if (deps.now() >= deadline) {
      throw new UnavailableError(`the outbox of ${replica} did not drain within ${deps.drainTimeoutMs} ms; the switchover is called off`);
    }
    await deps.sleep(25);
  }
}

