import type { ErrorCode } from '../core/errors';

/** What the server said about a failed request (its Error shape), or what the network did. */
export interface ClientErrorFacts {
  code: ErrorCode | 'NETWORK';
  status: number | undefined;
  message: string;
  details: Record<string, unknown> | undefined;
  /** The server's own verdict on a 5xx: sending the same request again can succeed. */
  retriable: boolean;
  requestId: string | undefined;
  /** How many requests the client sent before giving up (1 when it did not retry). */
  attempts: number;
}

/**
 * A failed replog call. `code` is the server's (src/core/errors.ts ERROR_CODES) or NETWORK;
 * `retrySafe` says whether sending the same call again can neither do harm nor write twice: the
 * server called it retriable, and for a write nothing was written or the write carries its
 * writeId (the client always sends one), so the server answers a second attempt from the first.
 * `committedOnLeader` is the server's fact about a failed write: false nothing was written, true
 * it was (not confirmed), null not known.
 */
export class ReplogClientError extends Error implements ClientErrorFacts {
  readonly code: ErrorCode | 'NETWORK';
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retriable: boolean;
  readonly requestId: string | undefined;
  readonly attempts: number;

  constructor(facts: ClientErrorFacts, options: { cause?: unknown } = {}) {
    super(facts.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = facts.code;
    this.status = facts.status;
    this.details = facts.details;
    this.retriable = facts.retriable;
    this.requestId = facts.requestId;
    this.attempts = facts.attempts;
  }

  get committedOnLeader(): boolean | null | undefined {
    const v = this.details?.committedOnLeader;
    return v === true || v === false || v === null ? v : undefined;
  }

  /** Whether this call may be sent again as it is (the client's own retries obey this). */
  get retrySafe(): boolean {
    return this.retriable;
  }
}

/** 400 BAD_KEY, BAD_QUERY, BAD_BODY, BAD_REQUEST: the request is wrong; nothing was written. */
export class BadRequestError extends ReplogClientError {}
/** 401 UNAUTHORIZED (no API key) and 403 FORBIDDEN (a wrong one). */
export class AccessDeniedError extends ReplogClientError {}
/** 404 NOT_FOUND: no such item on the replica that answered. */
export class NotFoundError extends ReplogClientError {}
/** 405 READ_ONLY_REPLICA / METHOD_NOT_ALLOWED. */
export class MethodNotAllowedError extends ReplogClientError {}
/** 409 CONFLICT: the call contradicts the state (a follower not caught up, a writeId reused for another body). */
export class ConflictError extends ReplogClientError {}
/** 409 NOT_LEADER: the writer's term ended; nothing was kept; the same write may be sent again. */
export class NotLeaderError extends ReplogClientError {}
/** 412 PRECONDITION_FAILED: If-Match did not match; `details.currentVersion` is the item's version. */
export class PreconditionFailedError extends ReplogClientError {}
/** 413 PAYLOAD_TOO_LARGE. */
export class PayloadTooLargeError extends ReplogClientError {}
/** 503 UNAVAILABLE: the store or the log did not answer; see committedOnLeader for a write. */
export class UnavailableError extends ReplogClientError {}
/** 503 LEADER_MOVING: a switchover or failover is under way; retry after it. */
export class LeaderMovingError extends ReplogClientError {}
/** 504 REPLICATION_TIMEOUT: committed and in the log, the replicas asked for did not confirm in time; never retried. */
export class ReplicationTimeoutError extends ReplogClientError {}
/** 500 INTERNAL / CONFIG: a bug or a broken deployment; never retried. */
export class ServerError extends ReplogClientError {}
/** No HTTP answer (connection refused or reset, timeout): for a write, whether it was applied is not known. */
export class NetworkError extends ReplogClientError {}

const BY_CODE: Record<ErrorCode | 'NETWORK', typeof ReplogClientError> = {
  BAD_KEY: BadRequestError,
  BAD_BODY: BadRequestError,
  BAD_QUERY: BadRequestError,
  BAD_EVENT: BadRequestError,
  BAD_REQUEST: BadRequestError,
  UNAUTHORIZED: AccessDeniedError,
  FORBIDDEN: AccessDeniedError,
  NOT_FOUND: NotFoundError,
  METHOD_NOT_ALLOWED: MethodNotAllowedError,
  READ_ONLY_REPLICA: MethodNotAllowedError,
  CONFLICT: ConflictError,
  NOT_LEADER: NotLeaderError,
  PRECONDITION_FAILED: PreconditionFailedError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  UNAVAILABLE: UnavailableError,
  LEADER_MOVING: LeaderMovingError,
  REPLICATION_TIMEOUT: ReplicationTimeoutError,
  CONFIG: ServerError,
  INTERNAL: ServerError,
  NETWORK: NetworkError,
};

/** The typed error for a server code (or NETWORK). */
export function clientError(facts: ClientErrorFacts, cause?: unknown): ReplogClientError {
  const Type = BY_CODE[facts.code] ?? ReplogClientError;
  return new Type(facts, cause === undefined ? {} : { cause });
}
