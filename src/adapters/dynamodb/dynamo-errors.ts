import { InternalError, programmingErrorIn, ReplogError, StoreUnavailableError } from '../../core/errors';

const RETRIABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'LimitExceededException',
  'TimeoutError',
  'RequestTimeout',
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Failures that prove DynamoDB never executed the request (it was throttled, refused, or never
 * reached); after any other failure (a timeout, a reset connection, a 500) a write may have been applied.
 */
const NOT_APPLIED_NAMES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException']);
const NOT_APPLIED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND']);

/** Translates SDK failures at the adapter edge so the core only ever sees ReplogErrors. */
export function translateDynamoError(error: unknown, operation: string, table: string): ReplogError {
  if (error instanceof ReplogError) return error;
  const bug = programmingErrorIn(error);
  if (bug) return new InternalError(`DynamoDB ${operation} on ${table} failed in replog's own code: ${bug.message}`, { cause: error });
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; message?: string };
  const status = e.$metadata?.httpStatusCode;
  const retriable =
    RETRIABLE_NAMES.has(e.name ?? '') ||
    NETWORK_CODES.has(e.code ?? '') ||
    (status !== undefined && status >= 500) ||
    e.name === 'AbortError';
  const mayHaveApplied = !(NOT_APPLIED_NAMES.has(e.name ?? '') || NOT_APPLIED_CODES.has(e.code ?? '') || (status !== undefined && status < 500));
  // The message is for operators (logs, CLI); HTTP answers show only the code and `details` (http-edge.ts).
  if (retriable || status === undefined) {
    return new StoreUnavailableError(`DynamoDB ${operation} on ${table} failed: ${e.message ?? e.name ?? 'unknown error'}`, mayHaveApplied, { cause: error });
  }
  return new InternalError(`DynamoDB ${operation} on ${table} was refused: ${e.message ?? e.name}`, {
    cause: error,
    details: { dependency: 'store', mayHaveApplied: false },
  });
}
