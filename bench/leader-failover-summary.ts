import { percentileOfSorted } from '../src/core/percentile';
import type { FailoverCatchUp } from '../src/functions/leader-failover';
import { round } from './latency-histogram';
import type { LatencySummary } from './latency-histogram';

/**
 * The run's ack mode; `async-backlog` is async with both followers' processes paused (SIGSTOP) for
 * a while before the kill and continued at it, so the candidate is seconds behind when the leader
 * is lost: the catch-up wait that async allows and semi-sync does not.
 */
export type FailoverMode = 'semi-sync' | 'async' | 'async-backlog';

/** The ack mode the writes of a run ask for. */
export function ackModeOf(mode: FailoverMode): 'semi-sync' | 'async' {
  return mode === 'semi-sync' ? 'semi-sync' : 'async';
}

/** One unplanned failover: the leader's store SIGKILLed under load, every part its own process. */
export interface LeaderFailoverRun {
  mode: FailoverMode;
  /** SIGKILL of the leader's store → the first 200 a client got from the new leader. */
  killToFirstNewLeader200Ms: number | undefined;
  newLeader: string | undefined;
  term: number | undefined;
  /** The failover's own pause (begin → the new leader leads), from its "failover complete" log. */
  failoverPauseMs: number | undefined;
  /** Per follower, log records not applied yet just before the kill: how far behind a candidate was when the leader was lost. */
  behindAtKill: Record<string, number>;
  /** Per follower, kill → it had applied everything the log held at the kill (undefined: not within the run's wait). */
  caughtUpAfterKillMs: Record<string, number | undefined>;
  /** What the elected replica had to apply, from the same log; undefined when no failover completed. */
  catchUp: FailoverCatchUp | undefined;
  /** Watchdog ticks that found the leader failed but no replica eligible yet (async: none caught up). */
  blockedTicks: number;
  writesAcked: number;
  /** Writes answered other than 200, in all; the clients retry each after 50 ms. */
  refused: number;
  /** Of those, before the kill (the rest came while no leader could commit). */
  refusedBeforeKill: number;
  keysChecked: number;
  /** Acknowledged versions the new leader does not hold once the load stopped (must be 0). */
  lost: number;
  note?: string;
}

export interface Spread {
  p50: number;
  max: number;
  each: number[];
}

export interface LeaderFailoverModeSummary {
  mode: FailoverMode;
  runs: number;
  /** Runs in which a new leader answered 200; the spreads are over these. */
  failedOver: number;
  killToFirstNewLeader200Ms: Spread | undefined;
  lost: number;
  behindFence: Spread | undefined;
  fenceToAppliedMs: Spread | undefined;
  behindLogEndAtElection: Spread | undefined;
  blockedTicks: number;
  /** Per follower, records behind the log end at the kill, over the runs. */
  behindAtKill: Record<string, Spread>;
  /** Per follower, kill → applied all the log held at the kill, over the runs where it did. */
  caughtUpAfterKillMs: Record<string, Spread>;
}

/** Leader read latency with lossless reads off and on, the same readers under the same writes. */
export interface LosslessReadCost {
  readersPerSide: number;
  measureMs: number;
  off: { latency: LatencySummary; readsPerSec: number; refused: number };
  on: { latency: LatencySummary; readsPerSec: number; refused: number };
  p50Ratio: number;
  p99Ratio: number;
}

export interface LeaderFailoverResult {
  leaderFailureMs: number;
  /** How long the followers stood still before the kill in the async-backlog runs. */
  backlogMs: number;
  clients: number;
  keys: number;
  runs: LeaderFailoverRun[];
  summary: LeaderFailoverModeSummary[];
  losslessReads: LosslessReadCost | undefined;
}

export function spreadOf(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(percentileOfSorted(sorted, 0.5), 1), max: round(sorted[sorted.length - 1] as number, 1), each: values.map((v) => round(v, 1)) };
}

/** The spread of a per-follower figure over runs, per follower (a run without the figure is left out). */
function perFollower(each: ReadonlyArray<Record<string, number | undefined>>): Record<string, Spread> {
  const ids = [...new Set(each.flatMap((r) => Object.keys(r)))].sort();
  return Object.fromEntries(
    ids.flatMap((id) => {
      const s = spreadOf(each.flatMap((r) => (r[id] === undefined ? [] : [r[id]])));
      return s === undefined ? [] : [[id, s] as const];
    }),
  );
}

/** Per mode, in the order the modes first ran: the spreads of the runs that failed over. */
export function summarizeLeaderFailover(runs: readonly LeaderFailoverRun[]): LeaderFailoverModeSummary[] {
  const modes = [...new Set(runs.map((r) => r.mode))];
  return modes.map((mode) => {
    const of = runs.filter((r) => r.mode === mode);
    const over = of.flatMap((r) => (r.killToFirstNewLeader200Ms === undefined ? [] : [r.killToFirstNewLeader200Ms]));
    const catchUps = of.flatMap((r) => (r.catchUp === undefined ? [] : [r.catchUp]));
    return {
      mode,
      runs: of.length,
      failedOver: over.length,
      killToFirstNewLeader200Ms: spreadOf(over),
      lost: of.reduce((n, r) => n + r.lost, 0),
      behindFence: spreadOf(catchUps.map((c) => c.behindFence)),
      fenceToAppliedMs: spreadOf(catchUps.map((c) => c.fenceToAppliedMs)),
      behindLogEndAtElection: spreadOf(catchUps.map((c) => c.behindLogEndAtElection)),
      blockedTicks: of.reduce((n, r) => n + r.blockedTicks, 0),
      behindAtKill: perFollower(of.map((r) => r.behindAtKill)),
      caughtUpAfterKillMs: perFollower(of.map((r) => r.caughtUpAfterKillMs)),
    };
  });
}

/**
 * The order of the runs: the modes interleaved, so a machine whose load drifts during the section
 * (it is shared) weighs on all alike; a mode with more runs has its surplus last.
 */
export function planFailoverRuns(semiSyncRuns: number, asyncRuns: number, asyncBacklogRuns = 0): FailoverMode[] {
  const out: FailoverMode[] = [];
  for (let i = 0; i < Math.max(semiSyncRuns, asyncRuns, asyncBacklogRuns); i++) {
    if (i < semiSyncRuns) out.push('semi-sync');
    if (i < asyncRuns) out.push('async');
    if (i < asyncBacklogRuns) out.push('async-backlog');
  }
  return out;
}

/** The "failover complete" log line of the watchdog that won (JSON logs), if any process printed one. */
export function failoverCompleteLog(output: string): { pauseMs: number; catchUp: FailoverCatchUp | undefined; to: string | undefined } | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"failover complete"')) continue;
    try {
      const doc = JSON.parse(line) as { message?: string; pauseMs?: unknown; catchUp?: FailoverCatchUp; to?: unknown };
      if (doc.message !== 'failover complete' || typeof doc.pauseMs !== 'number') continue;
      return { pauseMs: doc.pauseMs, catchUp: doc.catchUp, to: typeof doc.to === 'string' ? doc.to : undefined };
    } catch {
      // A line cut in two by the output buffer's trimming is not a log record.
    }
  }
  return undefined;
}

/** Watchdog ticks that declared the leader failed and found nobody eligible, from the JSON logs. */
export function blockedTicksIn(output: string): number {
  return output.split('\n').filter((l) => l.startsWith('{') && l.includes('"leader failed, and no replica may take its place"')).length;
}
