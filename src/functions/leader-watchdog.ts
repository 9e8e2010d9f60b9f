import type { ControlState } from '../core/control-state';
import { judgeLeader, type LeaderWatch, observeProbe, type ProbeResult, type WatchReport, watchReport, type WatchVerdict } from '../core/leader-watch';
import type { ControlStore, Log, StallMeter, WatchReportStore } from '../core/ports';
import type { FailoverOutcome, FailoverRequest } from './leader-failover';
import { callOff } from './leader-move-steps';
import type { MoveDeps } from './leader-move-steps';

export interface WatchdogDeps {
  control: Pick<ControlStore, 'load'>;
  /** One probe of a replica's store (adapters/dynamodb/store-probe.ts). */
  probe: (replica: string) => Promise<ProbeResult>;
  failover: (request: FailoverRequest) => Promise<FailoverOutcome>;
  /** What a stuck move is called off with (a watchdog or a switchover that died half-way). */
  moveDeps: MoveDeps;
  reports: WatchReportStore;
  /** REPLOG_LEADER_FAILURE_MS: how long probes must fail before the leader is declared failed. */
  failureMs: number;
  /** REPLOG_AUTO_FAILOVER: off, the watchdog only reports. */
  autoFailover: boolean;
  /** A move of leadership older than this was left behind by a process that died in it. */
  stuckMoveMs: number;
  /** Who watches, for the report (host:pid, or the Lambda request id). */
  watcher: string;
  /** When this process could not run: a probe that failed while it stood still says nothing of the store. */
  stalls: StallMeter;
  log: Log;
  now: () => number;
}

/** How often the report is written while nothing changes, so status can tell a live watchdog from a dead one. */
const REPORT_EVERY_MS = 5000;

/**
 * The leader's watchdog: the supervisor runs one in every local replog process that serves or
 * follows, a scheduled Lambda runs one in AWS; each `tick` probes the leader's store once, and a
 * leader whose store failed for REPLOG_LEADER_FAILURE_MS is failed over (functions/leader-failover.ts).
 * Several watchdogs may tick at once: the failover's compare-and-set lets one of them win.
 */
export class LeaderWatchdog {
  private watch: LeaderWatch | undefined;
  private lastReport: WatchReport | undefined;

  constructor(private readonly deps: WatchdogDeps) {}

  /** What the last tick concluded, for logs and tests. */
  get report(): WatchReport | undefined {
    return this.lastReport;
  }

  async tick(): Promise<WatchReport> {
    const { deps } = this;
    const state = await deps.control.load();
    if (state === undefined) throw new Error('the control state does not exist yet; start replog first');
    const { leadership } = state;
    if (leadership.state !== 'active') {
      await this.callOffIfStuck(state);
      return this.publish(watchReport(deps.watcher, this.current(state), { kind: 'moving' }, deps.now(), describeMove(state)));
    }
    const probe = await deps.probe(leadership.replica);
    if (!probe.ok && deps.stalls.stalledSince(probe.at) > 0) {
      deps.log.debug('a probe failed while this process stood still; not counted', { leader: leadership.replica, error: probe.error });
      return this.lastReport ?? watchReport(deps.watcher, this.current(state), { kind: 'healthy' }, deps.now());
    }
    this.watch = observeProbe(this.watch, leadership, probe);
    const now = deps.now();
    const verdict = judgeLeader(this.watch, leadership.state, now, deps.failureMs);
    if (verdict.kind !== 'failed') return this.publish(watchReport(deps.watcher, this.watch, verdict, now));
    if (!deps.autoFailover) {
      return this.publish({
        ...watchReport(deps.watcher, this.watch, verdict, now),
        state: 'off',
        reason: `the store of ${leadership.replica} failed for ${verdict.failingForMs} ms (${this.watch.lastError}), and REPLOG_AUTO_FAILOVER is false: nobody is promoted`,
      });
    }
    return this.failOver(this.watch, verdict);
  }

  private async failOver(watch: LeaderWatch, verdict: Extract<WatchVerdict, { kind: 'failed' }>): Promise<WatchReport> {
    const { deps } = this;
    const reason = `the store of ${watch.leader} failed every probe for ${verdict.failingForMs} ms (${watch.failedProbes} probes; last: ${watch.lastError})`;
    await this.publish(watchReport(deps.watcher, watch, verdict, deps.now(), reason));
    const outcome = await deps.failover({ failedLeader: watch.leader, term: watch.term, by: `watchdog ${deps.watcher}`, reason });
    const now = deps.now();
    switch (outcome.kind) {
      case 'none':
        deps.log.warn('leader failed, and no replica may take its place', { leader: watch.leader, term: watch.term, reason: outcome.reason });
        return this.publish({ ...watchReport(deps.watcher, watch, verdict, now), state: 'blocked', reason: `${reason}; not promoting: ${outcome.reason}` });
      case 'lost':
        deps.log.info('another watchdog or an operator moved the leadership first', { leader: watch.leader, term: watch.term, reason: outcome.reason });
        return this.publish({ ...watchReport(deps.watcher, watch, { kind: 'moving' }, now), reason: outcome.reason });
      case 'promoted':
        return this.publish({
          watcher: deps.watcher,
          leader: outcome.to,
          term: outcome.term,
          state: 'healthy',
          reason: `elected after ${watch.leader} (term ${watch.term}) failed: ${outcome.reason}`,
          failingSince: null,
          checkedAt: now,
        });
    }
  }

  /** A move under way for longer than any live one takes was left by a process that died in it: call it off, so writes resume. */
  private async callOffIfStuck(state: ControlState): Promise<void> {
    const t = state.leadership.transition;
    if (t === undefined || this.deps.now() - t.requestedAt < this.deps.stuckMoveMs) return;
    this.deps.log.warn('a move of leadership was left half-done; calling it off', { kind: t.kind, from: t.from, to: t.to, term: t.term, requestedAt: t.requestedAt });
    await callOff(this.deps.moveDeps, t.term, new Error(`the ${t.kind} to ${t.to} was still under way after ${this.deps.stuckMoveMs} ms`));
  }

  private current(state: ControlState): LeaderWatch {
    const { replica, term } = state.leadership;
    return this.watch !== undefined && this.watch.leader === replica && this.watch.term === term
      ? this.watch
      : { leader: replica, term, failingSince: undefined, failedProbes: 0, lastError: undefined, lastOkAt: undefined };
  }

  /** Saves the report when its conclusion changed, or every few seconds; a failed save is logged, not fatal. */
  private async publish(report: WatchReport): Promise<WatchReport> {
    const previous = this.lastReport;
    this.lastReport = report;
    const changed =
      previous === undefined ||
      previous.state !== report.state ||
      previous.leader !== report.leader ||
      previous.term !== report.term ||
      previous.reason !== report.reason;
    if (changed || report.checkedAt - previous.checkedAt >= REPORT_EVERY_MS) {
      await this.deps.reports.save(report).catch((error: unknown) => {
        this.lastReport = previous;
        this.deps.log.warn('the watchdog report could not be saved', { error });
      });
    } else {
      this.lastReport = { ...report, checkedAt: previous.checkedAt };
    }
    return report;
  }
}

function describeMove(state: ControlState): string {
  const t = state.leadership.transition;
  return t === undefined ? `leadership is ${state.leadership.state}` : `${t.kind} from ${t.from} to ${t.to} (term ${t.term}) under way: ${t.reason}`;
}
