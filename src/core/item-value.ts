import { PayloadTooLargeError, ValidationError } from './errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/**
 * Parses a write body. The size check comes first so a huge body is refused before any parsing
 * work; the value must be JSON because events carry it verbatim to every follower.
 */
export function parseItemBody(body: string | undefined, maxBytes: number): JsonValue {
  if (body === undefined || body.length === 0) {
    throw new ValidationError('BAD_BODY', 'the request body must be a JSON value');
  }
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBytes) throw new PayloadTooLargeError(maxBytes, bytes);
  try {
    return JSON.parse(body) as JsonValue;
  } catch (cause) {
    throw new ValidationError('BAD_BODY', 'the request body is not valid JSON', { cause });
  }
}
