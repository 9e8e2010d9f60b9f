import { type ControlState, withFenceRecorded, withLeaderMoved, withMoveAborted, withSwitchoverBegun } from '../core/control-state';
import { ConflictError, UnavailableError } from '../core/errors';
import { HAND_OVER_MIN_WAIT_MS } from '../core/leader-terms';
import type { ControlStore, FenceWriter, Log, MarkScanner, ReplicationAdmin } from '../core/ports';
import { inspectReplication, type ReplicationSources } from '../core/replication-inspector';
import type { OutboxRelayReport } from '../core/outbox-relay';

/** A target this many events behind is refused: the write pause would be its catch-up. */
export const SWITCHOVER_MAX_LAG_EVENTS = 1000;

export interface SwitchoverDeps {
  control: ControlStore;
  replicationSources: ReplicationSources;
  admin: Pick<ReplicationAdmin, 'endOffsets' | 'committedOffsets'>;
  groupOf: (replica: string) => string;
  fences: FenceWriter;
  /** The outbox marks of a replica, and one relay pass over them (functions/relay.ts). */
  marksOf: (replica: string) => MarkScanner;
  relayPass: (replica: string) => Promise<OutboxRelayReport>;
  /** REPLOG_CONTROL_TTL_MS: how long a writer may act on what it read of who leads. */
  controlTtlMs: number;
  /** How long the old leader's outbox may take to drain (a publish lease and its margin). */
  drainTimeoutMs: number;
  /** How long the target may take to apply everything up to the fence. */
  catchUpTimeoutMs: number;
  log: Log;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
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
    lagEvents: view?.lag.events ?? 0,
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
    const partitions = [...(await deps.admin.endOffsets()).high.keys()].sort((a, b) => a - b);
    fence = await deps.fences.write({ kind: 'fence', term, leader: request.to, at: deps.now() }, partitions);
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

/** Until the target's group committed past the fence in every partition: it applied all before it. */
async function awaitApplied(deps: SwitchoverDeps, replica: string, fence: Record<string, string>): Promise<void> {
  const deadline = deps.now() + deps.catchUpTimeoutMs;
  const group = deps.groupOf(replica);
  for (;;) {
    const committed = (await deps.admin.committedOffsets([group])).get(group);
    const behind = Object.entries(fence).filter(([p, at]) => (committed?.get(Number(p)) ?? -1n) <= BigInt(at));
    if (behind.length === 0) return;
    if (deps.now() >= deadline) {
      throw new UnavailableError(`${replica} did not apply the log up to the fence within ${deps.catchUpTimeoutMs} ms (behind in partitions ${behind.map(([p]) => p).join(', ')})`);
    }
    await deps.sleep(20);
  }
}

/** A move that failed: nothing changes before its fence; after it, the old leader leads again under a fresh, fenced term. */
async function callOff(deps: SwitchoverDeps, term: number, cause: unknown): Promise<void> {
  let refence = false;
  const aborted = await casStep(deps.control, (s) => {
    const out = withMoveAborted(s, term, deps.now());
    refence = out.refence;
    return out.state;
  });
  deps.log.warn('switchover called off', { term, refence, error: cause });
  if (!refence) return;
  const retry = aborted.leadership.transition;
  if (retry === undefined) return;
  const partitions = [...(await deps.admin.endOffsets()).high.keys()].sort((a, b) => a - b);
  const fence = await deps.fences.write({ kind: 'fence', term: retry.term, leader: retry.to, at: deps.now() }, partitions);
  await casStep(deps.control, (s) => withFenceRecorded(s, retry.term, fence, deps.now()));
  await casStep(deps.control, (s) => withLeaderMoved(s, retry.term, deps.now()));
}

async function loadState(control: ControlStore): Promise<ControlState> {
  const state = await control.load();
  if (state === undefined) throw new UnavailableError('the control state does not exist yet; start replog first');
  return state;
}

/** One step of a move by compare-and-set, read again when something else (a promotion) changed the state meanwhile. */
async function casStep(control: ControlStore, step: (state: ControlState) => ControlState): Promise<ControlState> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const state = await loadState(control);
    const next = step(state);
    if (await control.replace(state.revision, next)) return next;
  }
  throw new UnavailableError('the control state kept changing during the switchover; try again');
}
