import { ReplogError, UnavailableError } from '../../core/errors';

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

export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Translates SDK failures at the adapter edge so the core only ever sees ReplogErrors. */
export function translateDynamoError(error: unknown, operation: string, table: string): ReplogError {
  if (error instanceof ReplogError) return error;
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; message?: string };
  const status = e.$metadata?.httpStatusCode;
  const retriable =
    RETRIABLE_NAMES.has(e.name ?? '') ||
    NETWORK_CODES.has(e.code ?? '') ||
    (status !== undefined && status >= 500) ||
    e.name === 'AbortError';
  if (retriable || status === undefined) {
    return new UnavailableError(`DynamoDB ${operation} on ${table} failed: ${e.message ?? e.name ?? 'unknown error'}`, {
      cause: error,
    });
  }
  return new ReplogError('INTERNAL', 500, `DynamoDB ${operation} on ${table} was refused: ${e.message ?? e.name}`, {
    cause: error,
    retriable: false,
  });
}
