import type { ChangeEvent } from './change-event';
import { UnavailableError } from './errors';

/**
 * A delayed follower (MySQL `SOURCE_DELAY`, PostgreSQL `recovery_min_apply_delay`) applies an
 * event only once it is `delayMs` old by the leader's commit time, so a bad write can be stopped
 * before it reaches this replica. The clock is the follower's against the leader's commit stamp;
 * skew between them shifts the delay by the skew, as it does in both databases.
 */
export interface ApplyDelay {
  delayMs: number;
  /**
   * The longest one delivery may wait. A delay beyond it (or a wait that would outlive a Lambda
   * invocation) applies what is due and then fails the delivery as retriable, so it comes back.
   */
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

export function dueAt(event: Pick<ChangeEvent, 'committedAt'>, delayMs: number): number {
  return event.committedAt + delayMs;
}

/** Splits events into those old enough to apply now and those still waiting, keeping order. */
export function splitDue<E extends Pick<ChangeEvent, 'committedAt'>>(
  events: readonly E[],
  delayMs: number,
  now: number,
): { due: E[]; waiting: E[]; nextDueAt: number | undefined } {
  const due: E[] = [];
  const waiting: E[] = [];
  let nextDueAt: number | undefined;
  for (const event of events) {
    const at = dueAt(event, delayMs);
    if (at <= now) due.push(event);
    else {
      waiting.push(event);
      if (nextDueAt === undefined || at < nextDueAt) nextDueAt = at;
    }
  }
  return { due, waiting, nextDueAt };
}

/**
 * Applies events as they come due, sleeping in between. Throws a retriable error once the next
 * event would be due after `maxWaitMs` from the start: everything due so far is applied first,
 * so the redelivery only repeats (and skips) those.
 */
export async function applyWhenDue<E extends Pick<ChangeEvent, 'committedAt'>>(
  events: readonly E[],
  delay: ApplyDelay,
  now: () => number,
  apply: (due: E[]) => Promise<void>,
): Promise<void> {
  const started = now();
  let waiting: readonly E[] = events;
  while (waiting.length > 0) {
    const split = splitDue(waiting, delay.delayMs, now());
    if (split.due.length > 0) await apply(split.due);
    waiting = split.waiting;
    if (split.nextDueAt === undefined) return;
    if (split.nextDueAt - started > delay.maxWaitMs) {
      throw new UnavailableError(
        `delayed follower: ${waiting.length} event(s) are not due until ${new Date(split.nextDueAt).toISOString()}; the batch will be delivered again`,
        { details: { nextDueAt: split.nextDueAt, waiting: waiting.length } },
      );
    }
    await delay.sleep(Math.max(1, split.nextDueAt - now()));
  }
}
