/**
 * Every failure replog reports is a ReplogError: it has a stable machine code, the HTTP status
 * it maps to at the edge, and whether repeating the same call could succeed (kafkajs-style
 * retriable/non-retriable split), so callers never have to parse messages.
 */
export const ERROR_CODES = [
  'BAD_KEY',
  'BAD_BODY',
  'BAD_QUERY',
  'BAD_EVENT',
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'READ_ONLY_REPLICA',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNAVAILABLE',
  'REPLICATION_TIMEOUT',
  'NOT_LEADER',
  'LEADER_MOVING',
  'CONFIG',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ReplogErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export class ReplogError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, status: number, message: string, options: ReplogErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    // A bug somewhere in the causes makes a retry pointless, whatever the wrapper says.
    this.retriable = (options.retriable ?? false) && programmingErrorIn(options.cause) === undefined;
    this.details = options.details;
  }
}

export class ValidationError extends ReplogError {
  constructor(code: 'BAD_KEY' | 'BAD_BODY' | 'BAD_QUERY', message: string, options: ReplogErrorOptions = {}) {
    super(code, 400, message, options);
  }
}

export class PayloadTooLargeError extends ReplogError {
  constructor(limitBytes: number, actualBytes: number) {
    super('PAYLOAD_TOO_LARGE', 413, `body is ${actualBytes} bytes; the limit is ${limitBytes}`, {
      details: { limitBytes, actualBytes },
    });
  }
}

export class NotFoundError extends ReplogError {
  constructor(message: string) {
    super('NOT_FOUND', 404, message);
  }
}

export class PreconditionFailedError extends ReplogError {
  constructor(key: string, expected: number, actual: number | undefined) {
    super(
      'PRECONDITION_FAILED',
      412,
      actual === undefined
        ? `item ${JSON.stringify(key)} does not exist; If-Match expected version ${expected}`
        : `item ${JSON.stringify(key)} is at version ${actual}; If-Match expected version ${expected}`,
      { details: { key, expectedVersion: expected, currentVersion: actual ?? null } },
    );
  }
}

export class ConflictError extends ReplogError {
  constructor(message: string, options: ReplogErrorOptions = {}) {
    super('CONFLICT', 409, message, options);
  }
}

/**
 * This writer is not the current leader (its term ended): nothing it wrote is confirmed. The same
 * request sent again goes to whoever leads now, so a retry makes sense.
 */
export class NotLeaderError extends ReplogError {
  constructor(message: string, options: Omit<ReplogErrorOptions, 'retriable'> & { leader?: string; term?: number } = {}) {
    const { leader, term, ...rest } = options;
    super('NOT_LEADER', 409, message, {
      ...rest,
      retriable: true,
      details: { ...(leader === undefined ? {} : { leader }), ...(term === undefined ? {} : { term }), ...rest.details },
    });
  }
}

/** Leadership is moving and did not settle within the write's wait: nothing was committed; retry after `retryAfterMs`. */
export class LeaderMovingError extends ReplogError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options: Omit<ReplogErrorOptions, 'retriable'> = {},
  ) {
    super('LEADER_MOVING', 503, message, { ...options, retriable: true, details: { committedOnLeader: false, ...options.details } });
  }
}

/** A dependency (DynamoDB, Kafka) did not answer in time or refused; the call may be retried. */
export class UnavailableError extends ReplogError {
  constructor(message: string, options: ReplogErrorOptions = {}) {
    super('UNAVAILABLE', 503, message, { retriable: true, ...options });
  }
}

/**
 * A read of the log failed and the log reports these partitions offline (no leader, e.g. most of
 * their brokers down): callers that can answer without them (status) name them.
 */
export class PartitionsUnavailableError extends UnavailableError {
  constructor(
    message: string,
    readonly partitions: readonly number[],
    options: ReplogErrorOptions = {},
  ) {
    super(message, { ...options, details: { dependency: 'log', unavailablePartitions: [...partitions], ...options.details } });
  }
}

/**
 * A publish given up before it was handed to the log, because its publish lease ended first
 * (core/publish-order.ts): nothing of it was sent, so nothing of it can reach the log later.
 */
export class LeaseEndedError extends UnavailableError {}

/** A change event that cannot be decoded or fails its schema: retrying can never fix it. */
export class PoisonEventError extends ReplogError {
  constructor(message: string, options: ReplogErrorOptions = {}) {
    super('BAD_EVENT', 422, message, { ...options, retriable: false });
  }
}

/** A bug, or a refusal no retry can change (kafkajs's unrecoverable errors): 500, never retriable. */
export class InternalError extends ReplogError {
  constructor(message: string, options: Omit<ReplogErrorOptions, 'retriable'> = {}) {
    super('INTERNAL', 500, message, { ...options, retriable: false });
  }
}

/** The request carries no API key (401) or a wrong one (403). */
export class AccessDeniedError extends ReplogError {
  constructor(code: 'UNAUTHORIZED' | 'FORBIDDEN', message: string) {
    super(code, code === 'UNAUTHORIZED' ? 401 : 403, message);
  }
}

/**
 * DynamoDB did not answer or refused for now. `mayHaveApplied`: the request may have been
 * executed (a timeout, a reset connection, a 5xx), so a write's outcome is unknown.
 */
export class StoreUnavailableError extends UnavailableError {
  readonly mayHaveApplied: boolean;

  constructor(message: string, mayHaveApplied: boolean, options: Omit<ReplogErrorOptions, 'details'> = {}) {
    super(message, { ...options, details: { dependency: 'store', mayHaveApplied } });
    this.mayHaveApplied = mayHaveApplied;
  }
}

export class ConfigError extends ReplogError {
  constructor(message: string, options: ReplogErrorOptions = {}) {
    super('CONFIG', 500, message, options);
  }
}

export const isReplogError = (e: unknown): e is ReplogError => e instanceof ReplogError;

/**
 * Whether repeating the call could succeed: what a ReplogError says; for anything else (an error
 * no adapter translated) yes unless it is a bug. Consumers back off on it, the relay stops a run
 * on it, the CLI exits 75 (try again later) on it.
 */
export function isRetriable(error: unknown): boolean {
  return error instanceof ReplogError ? error.retriable : programmingErrorIn(error) === undefined;
}

const NETWORK_CODES = /^E[A-Z]+$/;

/**
 * A bug in replog rather than a dependency failing: TypeError, RangeError, ReferenceError,
 * SyntaxError. Retrying cannot fix it, so it is a 500 and never a retriable 503. Not bugs: Node's
 * fetch reports network failures as a TypeError with a system error (ECONNREFUSED…) as its cause,
 * and the AWS SDK throws the SyntaxError of a response body it could not parse (it carries
 * `$metadata` or `$responseBodyText`): both are the dependency's failures.
 */
export function isProgrammingError(error: unknown): boolean {
  if (!(error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError)) return false;
  if ('$metadata' in error || '$responseBodyText' in error) return false;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return !(typeof code === 'string' && NETWORK_CODES.test(code));
}

/** The first programming error in a chain of causes, if any. */
export function programmingErrorIn(error: unknown): Error | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) if (isProgrammingError(e)) return e;
  return undefined;
}
