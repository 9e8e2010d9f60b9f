import type { AckMode } from '../core/ack-mode';
import { withFailoverBegun, withFenceRecorded, withLeaderMoved } from '../core/control-state';
import { fenceOffsets, recordsBehind } from '../core/catch-up-distance';
import { type CandidateView, electLeader } from '../core/election';
import { UnavailableError } from '../core/errors';
import { HAND_OVER_MIN_WAIT_MS } from '../core/leader-terms';
import type { ProbeResult } from '../core/leader-watch';
import { inspectReplication, type ReplicationSources } from '../core/replication-inspector';
import { awaitApplied, callOff, casStep, loadState, type MoveDeps, writeFence } from './leader-move-steps';

export interface FailoverDeps extends MoveDeps {
  replicationSources: ReplicationSources;
  /** Whether a replica's store answers now (the candidate must, to catch up and take writes). */
  probe: (replica: string) => Promise<ProbeResult>;
  /** The mode whose acknowledgements the election must honour (REPLOG_ACK_MODE, the default of writes). */
  mode: AckMode;
  /** REPLOG_CONTROL_TTL_MS: how long a writer may act on what it read of who leads. */
  controlTtlMs: number;
}

/** What a failover does besides its bounded waits: control-state reads and CAS steps, the replication snapshot, the candidates' probes. */
const FAILOVER_SLACK_MS = 10_000;

/**
 * The longest a failover runs before it has promoted or been called off: the wait for writers'
 * views of the old term, the fence's publish, the candidate's catch-up, a call-off's second fence,
 * and a slack for its reads. A scheduled watchdog starts no tick with less time left than this
 * (functions/scheduled-watchdog.ts), so Lambda's timeout does not end a failover half-way.
 */
export function failoverBoundMs(limits: { controlTtlMs: number; publishTimeoutMs: number; catchUpTimeoutMs: number }): number {
  return Math.max(limits.controlTtlMs, HAND_OVER_MIN_WAIT_MS) + 10 + 2 * limits.publishTimeoutMs + limits.catchUpTimeoutMs + FAILOVER_SLACK_MS;
}

export interface FailoverRequest {
  /** The leader the watchdog found failed, and the term it led then: a failover of anything newer is not this one's to make. */
  failedLeader: string;
  term: number;
  by: string;
  /** What the watchdog saw (the probes' error, how long). */
  reason: string;
}

/**
 * What the elected replica had to catch up on: records between its committed offsets and the log
 * end when it was elected, and between them and the fence once the fence was written (the fence
 * records not counted), and how long it took from the fence to having applied all before it.
 * Under semi-sync the sync follower confirmed every acknowledged write already; under async the
 * candidate may be anywhere behind. docs/ARCHITECTURE.md cites the measured figures.
 */
export interface FailoverCatchUp {
  behindLogEndAtElection: number;
  behindFence: number;
  fenceToAppliedMs: number;
}

export type FailoverOutcome =
  | {
      kind: 'promoted';
      from: string;
      to: string;
      term: number;
      fence: Record<string, string>;
      pauseMs: number;
      reason: string;
      revision: number;
      catchUp: FailoverCatchUp;
    }
  /** No replica is known to hold every acknowledged write: nothing changed, and why. */
  | { kind: 'none'; reason: string }
  /** Someone else moved the leadership first (another watchdog, an operator): nothing to do. */
  | { kind: 'lost'; reason: string };

/**
 * An unplanned failover (docs/ARCHITECTURE.md, "Unplanned failover"): the leader's store is lost,
 * so unlike a switchover nothing of the old leader can be drained or asked. Each step is a
 * compare-and-set on the control state, so several watchdogs racing on the same failure make one
 * new term, and the others find they lost.
 *
 * 1. elect: only a replica that holds every acknowledged write (core/election.ts), whose store answers.
 * 2. begin: writes wait; the old term is over once its fence is in the log.
 * 3. wait out every writer's view of the old term, as a switchover does, so a write still judged
 *    by an older read cannot be confirmed after the fence.
 * 4. write the fence of the new term in every partition and record where it landed.
 * 5. wait until the elected replica applied everything before the fence: every write published
 *    under the old term before it, acknowledged or not, is then on the new leader.
 * 6. the elected replica leads; the old leader waits for its rewind (functions/rejoin.ts).
 */
export async function failOver(deps: FailoverDeps, request: FailoverRequest): Promise<FailoverOutcome> {
  const before = await loadState(deps.control);
  const { leadership } = before;
  if (leadership.replica !== request.failedLeader || leadership.term !== request.term || leadership.state !== 'active') {
    return { kind: 'lost', reason: `${request.failedLeader} (term ${request.term}) does not lead any more: ${leadership.replica} leads term ${leadership.term} (${leadership.state})` };
  }
  const snapshot = await inspectReplication(deps.replicationSources, before);
  const candidates: CandidateView[] = await Promise.all(
    snapshot.followers.map(async (f) => {
      const probe = f.delayMs === 0 ? await deps.probe(f.id) : { ok: false };
      return {
        id: f.id,
        delayMs: f.delayMs,
        healthy: f.healthy && probe.ok,
        needsRewind: false,
        priority: f.priority,
        committed: new Map(Object.entries(f.committed).flatMap(([p, o]) => (o === null ? [] : [[Number(p), BigInt(o)] as const]))),
      };
    }),
  );
  const logEnd = new Map(Object.entries(snapshot.topicEnd).map(([p, o]) => [Number(p), BigInt(o)] as const));
  const outcome = electLeader({ mode: deps.mode, failedLeader: request.failedLeader, syncFollower: before.syncFollower, candidates, logEnd });
  if (outcome.kind === 'none') return { kind: 'none', reason: outcome.reason };

  const requestedAt = deps.now();
  const reason = `${request.reason}; ${outcome.reason}`;
  const begun = withFailoverBegun(before, { failedLeader: request.failedLeader, to: outcome.candidate, by: request.by, reason, now: requestedAt });
  if (!(await deps.control.replace(before.revision, begun))) {
    const now = await loadState(deps.control);
    return { kind: 'lost', reason: `the control state changed first (revision ${now.revision}: ${now.leadership.replica} term ${now.leadership.term}, ${now.leadership.state})` };
  }
  const transition = begun.leadership.transition;
  if (transition === undefined) throw new UnavailableError('the failover began without a transition');
  const { term } = transition;
  deps.log.warn('failover begun', { from: request.failedLeader, to: outcome.candidate, term, by: request.by, reason });
  try {
    await deps.sleep(Math.max(deps.controlTtlMs, HAND_OVER_MIN_WAIT_MS) + 10);
    const fence = await writeFence(deps, term, outcome.candidate);
    const fencedAt = deps.now();
    const atFence = (await deps.admin.committedOffsets([deps.groupOf(outcome.candidate)])).get(deps.groupOf(outcome.candidate));
    await casStep(deps.control, (s) => withFenceRecorded(s, term, fence, deps.now()));
    deps.log.info('fence written', { term, fence });
    await awaitApplied(deps, outcome.candidate, fence);
    const catchUp: FailoverCatchUp = {
      behindLogEndAtElection: recordsBehind(candidates.find((c) => c.id === outcome.candidate)?.committed, logEnd),
      behindFence: recordsBehind(atFence, fenceOffsets(fence)),
      fenceToAppliedMs: deps.now() - fencedAt,
    };
    const after = await casStep(deps.control, (s) => withLeaderMoved(s, term, deps.now()));
    const report = { from: request.failedLeader, to: outcome.candidate, term, fence, pauseMs: deps.now() - requestedAt, reason, revision: after.revision, catchUp };
    deps.log.warn('failover complete', { ...report });
    return { kind: 'promoted', ...report };
  } catch (error) {
    await callOff(deps, term, error).catch((cause: unknown) => deps.log.error('a failed failover could not be called off', { error: cause, term }));
    throw error;
  }
}
