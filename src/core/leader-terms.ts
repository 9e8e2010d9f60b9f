import type { ControlState } from './control-state';
import { LeaderMovingError } from './errors';
import { judgeWriteTerm, type Leadership, type TermStart, type TermVerdict } from './leadership';
import type { LogPosition } from './positions';

/**
 * A read of the control state sent this long before a publish ended still confirms the write,
 * because a switchover waits HAND_OVER_MIN_WAIT_MS (longer) after its begin is stored before it
 * writes a fence: a read showing the write's term active without a move was answered before that
 * begin, so the fence comes after the publish. Durations only, each measured on its own clock.
 */
export const CONFIRM_WINDOW_MS = 150;
export const HAND_OVER_MIN_WAIT_MS = 200;

/** Who takes writes now: the replica whose table is committed to, and the term its items carry. */
export interface WriteLeader {
  replica: string;
  term: number;
}

export type LeadershipView = Pick<ControlState, 'leadership' | 'terms'>;

export interface LeaderTermsDeps {
  /** A consistent read of the control state (the control store, never a cache). */
  load: () => Promise<LeadershipView>;
  /** How long a read of who leads is trusted for choosing where to commit (REPLOG_CONTROL_TTL_MS). */
  ttlMs: number;
  /** How long a write waits for a move to finish (REPLOG_LEADER_WAIT_MS). */
  waitMs: number;
  pollMs?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** What each judgement cost the write (its wait), and each control read sent, background ones included. */
  onJudged?: (waitedMs: number) => void;
  onRead?: () => void;
  /**
   * While writes come, read the control state this often in the background, so a write's judge
   * finds a read sent within CONFIRM_WINDOW_MS of its publish already answered (no wait of its
   * own). Unset: reads only when a write needs one.
   */
  refresh?: { everyMs: number; whileWritesWithinMs: number; schedule: (ms: number, fn: () => void) => () => void };
}

interface Read {
  sentAt: number;
  view: LeadershipView;
}

/**
 * The leader's knowledge of its term (docs/ARCHITECTURE.md, "The leader is a role"): where a write
 * commits (`forWrite`), and whether a published write may be confirmed (`judge`), from reads
 * shared between concurrent writes: under load one read serves a round of writes.
 */
export class LeaderTerms {
  private last: Read | undefined;
  /**
   * What writes commit by: kept until REPLOG_CONTROL_TTL_MS has passed, so the TTL is the one bound
   * on how long a deposed process goes on committing to the old leader's store (each such write is
   * then judged and refused, never confirmed).
   */
  private commitView: Read | undefined;
  private inFlight: { sentAt: number; result: Promise<Read> } | undefined;
  private readonly pollMs: number;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private refreshScheduled = false;
  private cancelRefresh: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly deps: LeaderTermsDeps) {
    this.pollMs = deps.pollMs ?? 25;
  }

  /** The leader and term to commit under; waits (bounded) while leadership moves, then LEADER_MOVING. */
  async forWrite(): Promise<WriteLeader> {
    const deadline = this.deps.now() + this.deps.waitMs;
    let read = await this.commitRead();
    for (;;) {
      this.commitView = read;
      const { leadership } = read.view;
      if (leadership.state === 'active') return { replica: leadership.replica, term: leadership.term };
      if (this.deps.now() >= deadline) throw movingError(leadership, this.deps.waitMs);
      await this.deps.sleep(this.pollMs);
      read = await this.readSince(this.deps.now());
    }
  }

  /**
   * The replica `replica=leader` reads go to: the one writes commit to now (same view, same TTL),
   * without waiting out a move: while leadership moves the old leader still holds every commit.
   */
  async leaderForReads(): Promise<string> {
    const read = await this.commitRead();
    this.commitView = read;
    return read.view.leadership.replica;
  }

  /**
   * Whether a write committed under `write.term` and published (ended at `publishedAt`) may be
   * confirmed. `wait` verdicts are read again until the write's wait runs out.
   */
  async judge(write: { term: number; position: LogPosition }, publishedAt: number): Promise<TermVerdict> {
    const started = this.deps.now();
    this.lastWriteAt = started;
    this.keepFresh();
    const deadline = started + this.deps.waitMs;
    let read = await this.readSince(publishedAt - CONFIRM_WINDOW_MS);
    for (;;) {
      const verdict = judgeWriteTerm(write, read.view);
      if (verdict.kind !== 'wait' || this.deps.now() >= deadline) {
        this.deps.onJudged?.(this.deps.now() - started);
        return verdict;
      }
      await this.deps.sleep(this.pollMs);
      read = await this.readSince(this.deps.now());
    }
  }

  /** Schedules the next background read while writes keep coming (see `refresh`). */
  private keepFresh(): void {
    const refresh = this.deps.refresh;
    if (refresh === undefined || this.refreshScheduled || this.stopped) return;
    this.refreshScheduled = true;
    this.cancelRefresh = refresh.schedule(refresh.everyMs, () => {
      this.refreshScheduled = false;
      this.cancelRefresh = undefined;
      if (this.stopped || this.deps.now() - this.lastWriteAt > refresh.whileWritesWithinMs) return;
      this.readSince(this.deps.now()).then(
        () => this.keepFresh(),
        () => this.keepFresh(),
      );
    });
  }

  /** No more background reads (the process is closing its clients). */
  stop(): void {
    this.stopped = true;
    this.cancelRefresh?.();
    this.cancelRefresh = undefined;
  }

  /** The newest known view, for status and logs. */
  current(): LeadershipView | undefined {
    return this.last?.view;
  }

  /**
   * The commit view while it is younger than the TTL; once it is not, a read sent within the TTL:
   * the newest answered one (a background read while writes come) or the one in flight. Under
   * load a read queues behind the writes in the store, and every write that found the view expired
   * sending one more read of its own only made that queue, and each write's wait, longer.
   */
  private commitRead(): Promise<Read> {
    const cached = this.commitView;
    const now = this.deps.now();
    if (cached !== undefined && now - cached.sentAt < this.deps.ttlMs) return Promise.resolve(cached);
    return this.readSince(now - this.deps.ttlMs + 1);
  }

  /** A read sent at or after `since`: the last one, the one in flight, or a new one. */
  private readSince(since: number): Promise<Read> {
    if (this.last !== undefined && this.last.sentAt >= since) return Promise.resolve(this.last);
    const flight = this.inFlight;
    if (flight !== undefined && flight.sentAt >= since) return flight.result;
    const sentAt = this.deps.now();
    this.deps.onRead?.();
    const next = {
      sentAt,
      result: this.deps.load().then((view) => {
        const read = { sentAt, view };
        if (this.last === undefined || this.last.sentAt <= sentAt) this.last = read;
        return read;
      }),
    };
    next.result
      .finally(() => {
        if (this.inFlight === next) this.inFlight = undefined;
      })
      .catch(() => undefined);
    this.inFlight = next;
    return next.result;
  }
}

function movingError(leadership: Leadership, waitedMs: number): LeaderMovingError {
  const t = leadership.transition;
  const what = t === undefined ? `leadership is ${leadership.state}` : `leadership is moving from ${t.from} to ${t.to} (term ${t.term}, ${t.kind})`;
  return new LeaderMovingError(`${what}; waited ${waitedMs} ms; nothing was committed, send the write again`, 1000, {
    details: { leader: leadership.replica, term: leadership.term, ...(t === undefined ? {} : { movingTo: t.to, nextTerm: t.term }) },
  });
}

/** Terms a replica led, so its own consumer can skip their events (its table wrote them first). */
export function termsLedBy(replica: string, terms: readonly TermStart[]): Set<number> {
  return new Set(terms.filter((t) => t.leader === replica).map((t) => t.term));
}
