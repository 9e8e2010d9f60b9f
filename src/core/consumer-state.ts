/**
 * How a follower's local consumer is doing, as the process that runs it reports it: running, or
 * restarting after a failure (with the failure). Kafka only tells whether a group has live
 * members; this tells *why* it has none and that it is coming back. In AWS the event source
 * mapping runs the consumer and reports nothing here, so status shows `consumer: null`.
 */
export interface ConsumerFailure {
  name: string;
  message: string;
  at: number;
}

export interface ConsumerReport {
  followerId: string;
  /** `host:pid` of the reporting process; the last reporter wins when several run one follower. */
  owner: string;
  state: 'running' | 'restarting';
  /** When the current state began. */
  since: number;
  reportedAt: number;
  /** Failures this process's consumer has recovered from (or is recovering from): restarts, and rejoins after its group dropped it. */
  restarts: number;
  lastError: ConsumerFailure | null;
  nextAttemptAt: number | null;
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const CONSUMER_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/**
 * A restarting consumer reports before every attempt, so a report older than the longest wait
 * between attempts (plus slack for a slow store) comes from a process that has gone quiet.
 */
export const RESTARTING_REPORT_FRESH_MS = CONSUMER_BACKOFF.maxMs + 15_000;

/** Exponential backoff with jitter (half fixed, half random), capped: attempt 1 waits about initialMs. */
export function restartDelayMs(attempt: number, policy: BackoffPolicy = CONSUMER_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * The consumer's life as a small state machine: every failure ends in a restart with backoff
 * (never in a dead consumer), a rejoin resets the backoff, and the last failure stays visible.
 */
export class ConsumerLifecycle {
  private state: ConsumerReport['state'] = 'running';
  private since: number;
  private attempt = 0;
  private restarts = 0;
  private lastError: ConsumerFailure | null = null;
  private nextAttemptAt: number | null = null;
  private joinedOnce = false;

  constructor(
    private readonly followerId: string,
    private readonly owner: string,
    private readonly now: () => number,
    private readonly policy: BackoffPolicy = CONSUMER_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {
    this.since = now();
  }

  /** The consumer joined its group. Returns a report when that is news (first join, or back from restarting). */
  joined(): ConsumerReport | undefined {
    const news = !this.joinedOnce || this.state !== 'running';
    this.joinedOnce = true;
    this.attempt = 0;
    this.nextAttemptAt = null;
    if (!news) return undefined;
    this.state = 'running';
    this.since = this.now();
    return this.report();
  }

  /**
   * The consumer's group had dropped it (no heartbeat within the session timeout: a pause, a
   * laptop sleep) and kafkajs rejoined as a new member without a crash. A recovery like a
   * restart, so it counts as one and its cause stays visible.
   */
  rejoined(error: unknown): ConsumerReport {
    const at = this.now();
    this.restarts += 1;
    this.lastError = describeFailure(error, at);
    this.state = 'running';
    this.since = at;
    this.attempt = 0;
    this.nextAttemptAt = null;
    return this.report();
  }

  /** The consumer died (or a restart attempt failed): how long to wait before the next attempt. */
  failed(error: unknown): { delayMs: number; attempt: number; report: ConsumerReport } {
    const at = this.now();
    if (this.state !== 'restarting') {
      this.state = 'restarting';
      this.since = at;
      this.restarts += 1;
    }
    this.attempt += 1;
    const delayMs = restartDelayMs(this.attempt, this.policy, this.random);
    this.lastError = describeFailure(error, at);
    this.nextAttemptAt = at + delayMs;
    return { delayMs, attempt: this.attempt, report: this.report() };
  }

  report(): ConsumerReport {
    return {
      followerId: this.followerId,
      owner: this.owner,
      state: this.state,
      since: this.since,
      reportedAt: this.now(),
      restarts: this.restarts,
      lastError: this.lastError,
      nextAttemptAt: this.nextAttemptAt,
    };
  }
}

export function describeFailure(error: unknown, at: number): ConsumerFailure {
  if (error instanceof Error) return { name: error.name, message: error.message, at };
  return { name: 'Error', message: String(error), at };
}

/** What status shows about a follower's consumer. */
export interface ConsumerView {
  /**
   * `running`; `restarting` (failed, the next attempt is scheduled); `absent` (last reported
   * running, but the group has no live member: the process stopped, paused or died);
   * `silent` (last reported restarting, but not heard from for longer than any backoff).
   */
  state: 'running' | 'restarting' | 'absent' | 'silent';
  owner: string;
  since: number;
  reportedAt: number;
  restarts: number;
  lastError: ConsumerFailure | null;
  nextAttemptAt: number | null;
}

/** null when no local process ever reported (an AWS event source mapping runs the consumer). */
export function viewConsumer(report: ConsumerReport | undefined, liveMembers: number, now: number): ConsumerView | null {
  if (report === undefined) return null;
  const { followerId: _id, ...rest } = report;
  if (report.state === 'restarting') {
    return { ...rest, state: now - report.reportedAt <= RESTARTING_REPORT_FRESH_MS ? 'restarting' : 'silent' };
  }
  return { ...rest, state: liveMembers > 0 ? 'running' : 'absent' };
}

/** The health reason for a follower whose consumer is coming back: more useful than "no live consumer". */
export function restartingReason(view: ConsumerView, now: number): string {
  const error = view.lastError ? `${view.lastError.name}: ${view.lastError.message}` : 'a failure';
  const next = view.nextAttemptAt === null ? '' : `, next attempt in ${Math.max(0, Math.ceil((view.nextAttemptAt - now) / 1000))} s`;
  return `consumer restarting after ${error} (restart ${view.restarts}${next})`;
}
