import { type AckMode, formatAckMode } from './ack-mode';
import type { AckOutcome, Acknowledger } from './acknowledgement';
import type { ChangeEvent } from './change-event';
import { confirmersOf } from './confirmers';
import type { Instrumentation } from './instrumentation';
import type { OffsetWatcher } from './offset-watcher';
import type { Log } from './ports';
import type { LogPosition } from './positions';
import { pickPromotionCandidate } from './promotion';
import { candidateViews, inspectReplication, type ReplicationSources } from './replication-inspector';
import type { SyncRoster } from './sync-roster';
import { ReplicationTimeoutError, UnconfirmedReplicationError } from './write-failures';

export interface AckPolicy {
  syncTimeoutMs: number;
  onSyncTimeout: 'promote' | 'degrade' | 'fail';
  onNoCandidate: 'degrade' | 'fail';
}

export interface ReplicationAcknowledgerDeps {
  watcher: OffsetWatcher;
  roster: SyncRoster;
  /** What promotion reads to find the most caught-up healthy follower (the same view status shows). */
  sources: ReplicationSources;
  /** Where every acknowledgement, timeout and promotion is reported (the counters listen there). */
  instrumentation: Instrumentation;
  policy: AckPolicy;
  log: Log;
  now: () => number;
}

/** The least a promotion's read of the log is given before the no-candidate policy answers. */
export const PROMOTION_READ_MIN_MS = 2000;

/**
 * Acknowledges writes per mode by watching followers' committed offsets, and applies the timeout
 * policy: promote a new sync follower (semi-sync), degrade to async honestly, or fail with 504.
 */
export class ReplicationAcknowledger implements Acknowledger {
  constructor(private readonly deps: ReplicationAcknowledgerDeps) {}

  /**
   * Called after the commit and the publish, so it never answers 4xx: a failure here still says
   * the write is committed on the leader and in the log (a 503, or a 500 for a programming error).
   */
  async acknowledge(mode: AckMode, event: ChangeEvent, position: LogPosition): Promise<AckOutcome> {
    try {
      return await this.acknowledgeCommitted(mode, event, position);
    } catch (error) {
      if (error instanceof ReplicationTimeoutError) throw error;
      throw new UnconfirmedReplicationError(event, position, error);
    }
  }

  private async acknowledgeCommitted(mode: AckMode, event: ChangeEvent, position: LogPosition): Promise<AckOutcome> {
    const started = this.deps.now();
    const label = formatAckMode(mode);
    if (mode.kind === 'async') {
      this.deps.instrumentation.emit({ type: 'ack.given', mode: label, waitedMs: 0, degraded: false });
      return { mode: label, confirmedBy: [], waitedMs: 0, degraded: false };
    }
    const state = await this.deps.roster.current();
    const { followers: capable, needed } = confirmersOf(mode, state);
    const { syncTimeoutMs } = this.deps.policy;

    if (mode.kind === 'semi-sync') {
      const sync = state.syncFollower;
      if (sync !== null) {
        const outcome = await this.deps.watcher.waitFor(position, [sync], 1, syncTimeoutMs);
        if (outcome.satisfied) return this.done(label, outcome.confirmedBy, started, false);
      }
      this.deps.instrumentation.emit({ type: 'ack.sync-timeout', mode: label });
      return this.onSemiSyncTimeout(label, event, position, sync, started);
    }

    // The write was admitted against the roster (write-admission.ts); if the roster shrank since,
    // or nobody can confirm at all, nobody can be waited for: the no-candidate policy answers.
    if (needed > capable.length || needed === 0) {
      this.deps.log.warn('not enough followers can confirm this write; the no-candidate policy answers', {
        key: event.key,
        version: event.version,
        ack: label,
        capable: capable.length,
      });
      return this.fallback(this.deps.policy.onNoCandidate, label, event, position, [], started);
    }
    const outcome = await this.deps.watcher.waitFor(position, capable, needed, syncTimeoutMs);
    if (outcome.satisfied) return this.done(label, outcome.confirmedBy, started, false);
    this.deps.instrumentation.emit({ type: 'ack.sync-timeout', mode: label });
    // There is nobody to promote into an all-or-K set: the fallback policy decides.
    const fallback = this.deps.policy.onSyncTimeout === 'promote' ? this.deps.policy.onNoCandidate : this.deps.policy.onSyncTimeout;
    return this.fallback(fallback, label, event, position, outcome.confirmedBy, started);
  }

  private async onSemiSyncTimeout(
    label: string,
    event: ChangeEvent,
    position: LogPosition,
    failedSync: string | null,
    started: number,
  ): Promise<AckOutcome> {
    const { policy } = this.deps;
    if (policy.onSyncTimeout !== 'promote') return this.fallback(policy.onSyncTimeout, label, event, position, [], started);

    const promoted = await this.promote(failedSync, event);
    if (promoted !== undefined) {
      const remaining = Math.max(1, policy.syncTimeoutMs);
      const outcome = await this.deps.watcher.waitFor(position, [promoted], 1, remaining);
      if (outcome.satisfied) return { ...this.done(label, outcome.confirmedBy, started, false), promotedTo: promoted };
      this.deps.instrumentation.emit({ type: 'ack.sync-timeout', mode: label });
    }
    return this.fallback(policy.onNoCandidate, label, event, position, [], started);
  }

  /** Returns the follower that is sync after this call (promoted by us or by a concurrent leader). */
  private async promote(failedSync: string | null, event: ChangeEvent): Promise<string | undefined> {
    try {
      const state = await this.deps.roster.refresh();
      if (state.syncFollower !== failedSync && state.syncFollower !== null) {
        // Another leader instance already replaced the follower we saw failing.
        return state.syncFollower;
      }
      // A write is waiting on this: a log that cannot say who is caught up (brokers down or
      // frozen hold an admin request for its whole timeout, and retry it) gets the sync wait's
      // own bound (at least PROMOTION_READ_MIN_MS: a short sync timeout must not make a loaded
      // log's answer too slow to promote anyone), then the no-candidate policy answers.
      const snapshot = await inspectReplication(this.deps.sources, state, { timeoutMs: Math.max(this.deps.policy.syncTimeoutMs, PROMOTION_READ_MIN_MS) });
      const exclude = new Set<string>(failedSync === null ? [] : [failedSync]);
      const candidate = pickPromotionCandidate(state.followers, candidateViews(snapshot), exclude);
      if (candidate === undefined) {
        this.deps.log.warn('sync follower timed out and no healthy follower can be promoted', {
          failedSync,
          key: event.key,
          version: event.version,
        });
        return undefined;
      }
      const reason = `${failedSync ?? 'no sync follower'} did not confirm ${event.key}@${event.version} within ${this.deps.policy.syncTimeoutMs} ms`;
      const { state: after, changedByUs } = await this.deps.roster.changeSyncFollower(candidate, 'promotion', reason, failedSync);
      if (changedByUs) this.deps.instrumentation.emit({ type: 'ack.promotion', to: candidate });
      return after.syncFollower ?? undefined;
    } catch (error) {
      this.deps.log.error('promotion failed', { key: event.key, version: event.version, error });
      return undefined;
    }
  }

  private fallback(
    how: 'degrade' | 'fail',
    label: string,
    event: ChangeEvent,
    position: LogPosition,
    confirmedBy: string[],
    started: number,
  ): AckOutcome {
    const waitedMs = this.deps.now() - started;
    if (how === 'degrade') {
      this.deps.instrumentation.emit({ type: 'ack.given', mode: label, waitedMs, degraded: true });
      return { mode: label, confirmedBy, waitedMs, degraded: true };
    }
    this.deps.instrumentation.emit({ type: 'ack.failed', mode: label, waitedMs });
    throw new ReplicationTimeoutError(label, event, position, confirmedBy, waitedMs);
  }

  private done(label: string, confirmedBy: string[], started: number, degraded: boolean): AckOutcome {
    const waitedMs = this.deps.now() - started;
    this.deps.instrumentation.emit({ type: 'ack.given', mode: label, waitedMs, degraded });
    return { mode: label, confirmedBy, waitedMs, degraded };
  }
}
