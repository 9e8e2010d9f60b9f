/**
 * The watchdog's judgement of the leader's store (docs/ARCHITECTURE.md, "Unplanned failover"):
 * probes of the store are folded into how long it has failed without a success in between, and
 * the leader is declared failed once that reaches REPLOG_LEADER_FAILURE_MS. Safety never rests on
 * this judgement: a leader declared failed while it still takes writes is fenced like a
 * switchover's old leader, and what it commits after the fence is refused everywhere. Only how
 * soon writes resume does.
 */
export interface LeaderWatch {
  leader: string;
  term: number;
  /** The first failed probe since the last success (epoch ms); undefined while probes succeed. */
  failingSince: number | undefined;
  failedProbes: number;
  lastError: string | undefined;
  lastOkAt: number | undefined;
}

export interface ProbeResult {
  ok: boolean;
  at: number;
  error?: string;
}

/** A probe of the store of `leader` (term `term`): a new leader or term starts the count afresh. */
export function observeProbe(previous: LeaderWatch | undefined, leader: { replica: string; term: number }, probe: ProbeResult): LeaderWatch {
  const same = previous !== undefined && previous.leader === leader.replica && previous.term === leader.term;
  const base: LeaderWatch = same
    ? previous
    : { leader: leader.replica, term: leader.term, failingSince: undefined, failedProbes: 0, lastError: undefined, lastOkAt: undefined };
  if (probe.ok) return { ...base, failingSince: undefined, failedProbes: 0, lastError: undefined, lastOkAt: probe.at };
  return { ...base, failingSince: base.failingSince ?? probe.at, failedProbes: base.failedProbes + 1, lastError: probe.error ?? 'the probe failed' };
}

export type WatchVerdict =
  | { kind: 'healthy' }
  /** Failing, not for long enough yet. */
  | { kind: 'suspect'; failingForMs: number; remainingMs: number }
  | { kind: 'failed'; failingForMs: number }
  /** Leadership is moving already (a switchover, or another watchdog's failover). */
  | { kind: 'moving' };

export function judgeLeader(watch: LeaderWatch, leadershipState: 'active' | 'handing-over' | 'electing', now: number, failureMs: number): WatchVerdict {
  if (leadershipState !== 'active') return { kind: 'moving' };
  if (watch.failingSince === undefined) return { kind: 'healthy' };
  const failingForMs = Math.max(0, now - watch.failingSince);
  // Two failed probes at least: one lost request is not a failed store, however long it took.
  if (failingForMs >= failureMs && watch.failedProbes >= 2) return { kind: 'failed', failingForMs };
  return { kind: 'suspect', failingForMs, remainingMs: Math.max(0, failureMs - failingForMs) };
}

/**
 * What the watchdog last concluded, for status (one control-table item, written when the
 * conclusion changes and at least every few seconds while it watches).
 */
export interface WatchReport {
  /** Who watched: host:pid locally, the function's request id in Lambda. */
  watcher: string;
  leader: string;
  term: number;
  state: 'healthy' | 'suspect' | 'failing-over' | 'blocked' | 'off' | 'moving';
  /** Why: the probe error, the election's refusal, or the failover under way. */
  reason: string | null;
  failingSince: number | null;
  checkedAt: number;
}

export function watchReport(watcher: string, watch: LeaderWatch, verdict: WatchVerdict, now: number, reason: string | null = null): WatchReport {
  const state: WatchReport['state'] = verdict.kind === 'failed' ? 'failing-over' : verdict.kind;
  return {
    watcher,
    leader: watch.leader,
    term: watch.term,
    state,
    reason: reason ?? (verdict.kind === 'healthy' || verdict.kind === 'moving' ? null : (watch.lastError ?? null)),
    failingSince: watch.failingSince ?? null,
    checkedAt: now,
  };
}
