import type { ChangeEvent } from './change-event';
import { isProgrammingError, isRetriable, ReplogError } from './errors';
import type { LogPosition } from './positions';
import { termOf } from './versions';

/**
 * How a write failed, as the client must learn it: was it committed on the leader (true, false, or
 * null: not known), and is it in the replication log. The facts are in `details` (what the HTTP
 * edge shows) and in the class (what code checks): every failure of the write path after
 * validation is one of these.
 */
export abstract class WriteFailureError extends ReplogError {
  abstract readonly committedOnLeader: boolean | null;
}

const committedFacts = (event: ChangeEvent) => ({ key: event.key, version: event.version, committedOnLeader: true });

/** 503: committed on the leader, not in the replication log; the outbox relay will publish it. */
export class UnpublishedWriteError extends WriteFailureError {
  readonly committedOnLeader = true;

  constructor(event: ChangeEvent, cause: unknown) {
    const reason = logRefusal(cause);
    super(
      'UNAVAILABLE',
      503,
      `version ${event.version} of ${JSON.stringify(event.key)} is committed on the leader but not yet in the replication log${
        reason ? ` (${reason}: too few of the log's brokers are in sync to hold it)` : ''
      }; the outbox relay will publish it`,
      { cause, retriable: isRetriable(cause), details: { ...committedFacts(event), published: false, ...(reason ? { reason } : {}) } },
    );
  }
}

/** The log's own reason for refusing a write (NOT_ENOUGH_REPLICAS), as the Kafka adapter put it in `details.reason`. */
export function logRefusal(cause: unknown): string | undefined {
  const reason = cause instanceof ReplogError ? cause.details?.reason : undefined;
  return typeof reason === 'string' ? reason : undefined;
}

/** 504: committed on the leader and in the log, but the asked-for replicas did not confirm it in time. */
export class ReplicationTimeoutError extends WriteFailureError {
  readonly committedOnLeader = true;

  constructor(
    readonly ackMode: string,
    event: ChangeEvent,
    position: LogPosition,
    confirmedBy: string[],
    waitedMs: number,
  ) {
    super(
      'REPLICATION_TIMEOUT',
      504,
      `version ${event.version} of ${JSON.stringify(event.key)} is committed on the leader and in the replication log, but ${ackMode} replication was not confirmed within the timeout; it may still reach followers`,
      {
        retriable: false,
        details: { ...committedFacts(event), position, published: true, ack: { mode: ackMode, confirmedBy, waitedMs, degraded: false } },
      },
    );
  }
}

/** Committed and in the log, but its replication could not be checked: 503, or 500 when a bug stopped the check. */
export class UnconfirmedReplicationError extends WriteFailureError {
  readonly committedOnLeader = true;

  constructor(event: ChangeEvent, position: LogPosition, cause: unknown) {
    const bug = isProgrammingError(cause);
    super(
      bug ? 'INTERNAL' : 'UNAVAILABLE',
      bug ? 500 : 503,
      `version ${event.version} of ${JSON.stringify(event.key)} is committed on the leader and in the replication log, but its replication could not be checked; it may still reach followers`,
      { cause, retriable: isRetriable(cause), details: { ...committedFacts(event), position, published: true } },
    );
  }
}

/**
 * A 5xx at or before the commit: nothing was committed (false), or it is not known (null: the
 * store may have applied a write whose answer was lost). Keeps the failure's code and status.
 */
export class UncommittedWriteError extends WriteFailureError {
  constructor(
    failure: ReplogError,
    readonly committedOnLeader: false | null,
  ) {
    super(failure.code, failure.status, failure.message, {
      cause: failure,
      retriable: failure.retriable,
      details: { ...failure.details, committedOnLeader, published: false },
    });
  }
}

/**
 * NOT_LEADER: committed by a writer whose term had ended (a paused process, a stale container),
 * published after the next term's fence, so every follower refuses it; never confirmed. 409 once
 * the commit is undone on the deposed leader's store (nothing kept); 503 when the undo failed,
 * because the version then stays on that store (refused everywhere else) and a 4xx must mean
 * nothing was written.
 */
export class DeposedWriteError extends WriteFailureError {
  readonly committedOnLeader: boolean;

  constructor(
    event: ChangeEvent,
    readonly leader: string,
    readonly term: number,
    readonly reverted: boolean,
    cause?: unknown,
  ) {
    super(
      'NOT_LEADER',
      reverted ? 409 : 503,
      `this writer's term ${termOf(event)} has ended (${leader} leads term ${term}): version ${event.version} of ${JSON.stringify(event.key)} is not confirmed, ` +
        `followers refuse it${reverted ? ' and it was undone' : ', and it stays on the deposed leader\'s store'}; send the write again`,
      { cause, retriable: true, details: { key: event.key, version: event.version, leader, term, committedOnLeader: !reverted, reverted, fenced: true } },
    );
    this.committedOnLeader = !reverted;
  }
}

/** 503: committed and in the log, but leadership moved meanwhile and whether the write precedes the new term's fence is not yet known. */
export class UnconfirmedTermError extends WriteFailureError {
  readonly committedOnLeader = true;

  constructor(event: ChangeEvent, position: LogPosition, reason: string) {
    super(
      'LEADER_MOVING',
      503,
      `version ${event.version} of ${JSON.stringify(event.key)} is committed and in the log at ${position.partition}/${position.offset}, but ${reason}: not confirmed; read the item before retrying`,
      { retriable: true, details: { ...committedFacts(event), published: true, position } },
    );
  }
}
