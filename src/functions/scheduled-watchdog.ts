import type { Context } from 'aws-lambda';
import type { Config } from '../config/config';
import { ConfigError, UnavailableError } from '../core/errors';
import type { WatchReport } from '../core/leader-watch';
import type { Log } from '../core/ports';
import { withLambdaMetrics } from './lambda-metrics';
import type { LeaderWatchdog } from './leader-watchdog';
import { defaultRuntime } from './runtime';

/** serverless.yml schedules the function `rate(1 minute)`, EventBridge's shortest rate. */
export const SCHEDULE_MS = 60_000;
/** How long consecutive invocations should both watch: longer than the failure time, with room for EventBridge starting one late. */
const OVERLAP_MS = 15_000;
/** As the local timer (src/local/watchdog-timer.ts): a tick that failed is tried again with backoff, up to this. */
const MAX_BACKOFF_MS = 5000;

export interface WatchLoopDeps {
  watchdog: Pick<LeaderWatchdog, 'tick'>;
  /** REPLOG_LEADER_PROBE_MS: the pause between one tick's end and the next tick. */
  probeMs: number;
  /** The longest one tick may take (one that fails over): no tick starts with less time left than this. */
  tickBoundMs: number;
  /** What is left of the invocation (context.getRemainingTimeInMillis). */
  remainingMs: () => number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Log;
}

export interface WatchRun {
  ticks: number;
  failedTicks: number;
  /** From the first tick's start to the loop's end. */
  watchedMs: number;
  /** What was left of the invocation when the loop stopped: at least tickBoundMs, unless a tick overran its bound. */
  remainingAtStopMs: number;
  tickBoundMs: number;
  /** The last tick's conclusion (null when no tick succeeded). */
  report: WatchReport | null;
  lastError: string | null;
}

/**
 * One invocation's share of watching: ticks of the watchdog REPLOG_LEADER_PROBE_MS apart, for as
 * long as a whole tick, failover included, still fits before the timeout. Two invocations that
 * overlap each tick on their own; what they may change they change by compare-and-set
 * (functions/leader-failover.ts), so they make one new term between them, and the one that loses
 * reports `moving` and goes on watching.
 */
export async function watchUntilDeadline(deps: WatchLoopDeps): Promise<WatchRun> {
  const started = deps.now();
  let ticks = 0;
  let failedTicks = 0;
  let failing = 0;
  let report: WatchReport | null = null;
  let lastError: unknown;
  while (deps.remainingMs() > deps.tickBoundMs) {
    try {
      report = await deps.watchdog.tick();
      ticks++;
      if (failing > 0) deps.log.info('the watchdog sees the control state again', { failedTicks: failing });
      failing = 0;
    } catch (error) {
      failedTicks++;
      lastError = error;
      if (failing === 0) deps.log.warn('the watchdog could not look at the leader; retrying with backoff', { error });
      failing++;
    }
    const pause = failing === 0 ? deps.probeMs : Math.min(MAX_BACKOFF_MS, deps.probeMs * 2 ** Math.min(failing, 10));
    // No tick could start after this pause: end now rather than sleep into the margin.
    if (deps.remainingMs() - pause <= deps.tickBoundMs) break;
    await deps.sleep(pause);
  }
  return {
    ticks,
    failedTicks,
    watchedMs: deps.now() - started,
    remainingAtStopMs: deps.remainingMs(),
    tickBoundMs: deps.tickBoundMs,
    report,
    lastError: lastError === undefined ? null : lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError),
  };
}

export interface WatchdogHandlerDeps {
  config: Pick<Config, 'failover'>;
  watchdog: (watcher: string) => Pick<LeaderWatchdog, 'tick'>;
  watchdogTickBoundMs: number;
  log: (namespace: string) => Log;
}

export interface WatchInvocation extends WatchRun {
  /** Who watched, as status shows it: `lambda:<request id>`. */
  watcher: string;
  /** REPLOG_AUTO_FAILOVER: off, the watchdog reports a failed leader (`off`) and promotes nobody. */
  autoFailover: boolean;
  /** How much of the schedule's minute this invocation left unwatched (0 when the next one starts before it ends). */
  unwatchedMs: number;
}

/**
 * The scheduled watchdog function (serverless.yml: `rate(1 minute)`, EventBridge's shortest). A
 * minute is far longer than REPLOG_LEADER_FAILURE_MS, so one invocation does not tick once: it
 * watches until only the time of one whole tick (a failover, failoverBoundMs) is left, and the
 * function's timeout is sized so that this outlasts the minute and the next invocation starts
 * while this one still watches. The event carries nothing the watchdog uses. An invocation in
 * which no tick succeeded fails, so the function's Errors metric shows a watchdog that is blind.
 */
export function createWatchdogHandler(rt: () => WatchdogHandlerDeps, timers: Pick<WatchLoopDeps, 'now' | 'sleep'> = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }) {
  return async (_event: unknown, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>): Promise<WatchInvocation> => {
    const runtime = rt();
    const log = runtime.log('watchdog');
    const tickBoundMs = runtime.watchdogTickBoundMs;
    const watcher = `lambda:${context.awsRequestId}`;
    const { probeMs, auto } = runtime.config.failover;
    const remaining = context.getRemainingTimeInMillis();
    if (remaining <= tickBoundMs) {
      const error = new ConfigError(
        `the watchdog function has ${remaining} ms left at its start, and one tick (a failover) may take ${tickBoundMs} ms: raise its timeout (serverless.yml, param watchdogTimeout) to at least ${Math.ceil((tickBoundMs + SCHEDULE_MS + OVERLAP_MS) / 1000)} s (that bound, the schedule's minute and ${OVERLAP_MS / 1000} s of overlap with the next invocation)`,
        { details: { remainingMs: remaining, tickBoundMs } },
      );
      log.error('the watchdog cannot watch in this invocation', { watcher, error });
      throw error;
    }
    const run = await watchUntilDeadline({
      watchdog: runtime.watchdog(watcher),
      probeMs,
      tickBoundMs,
      remainingMs: () => context.getRemainingTimeInMillis(),
      ...timers,
      log,
    });
    const result: WatchInvocation = { watcher, autoFailover: auto, unwatchedMs: Math.max(0, SCHEDULE_MS - run.watchedMs), ...run };
    if (run.ticks === 0) {
      log.error('the watchdog could not look at the leader during its whole invocation', { ...result });
      throw new UnavailableError(`the watchdog ${watcher} failed all ${run.failedTicks} ticks: ${run.lastError ?? 'no error'}`, { details: { ...result } });
    }
    if (result.unwatchedMs > 0) log.warn('the watchdog watched less than the schedule’s minute: the leader goes unwatched until the next invocation', { ...result });
    else log.info('watchdog invocation', { ...result });
    return result;
  };
}

export const handler = createWatchdogHandler(withLambdaMetrics(defaultRuntime));
