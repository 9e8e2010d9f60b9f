import { PayloadTooLargeError, ValidationError } from './errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/**
 * The largest value (as stored JSON text) an item may hold: DynamoDB refuses items over 400 KB,
 * and the key and bookkeeping attributes need the rest. The body cap alone is not enough, since
 * re-encoding can grow a value (`1e20` is stored as `100000000000000000000`).
 */
export const MAX_STORED_VALUE_BYTES = 380 * 1024;

/**
 * Values nested deeper than this are refused: parsing, encoding and schema checks recurse, and a
 * value that overflows the stack on a follower would fail its batch forever.
 */
export const MAX_VALUE_DEPTH = 128;

/** The deepest array/object nesting in JSON text, found without parsing (no recursion). */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return max;
}

export function storedValueBytes(value: JsonValue | null): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

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
  if (jsonNestingDepth(body) > MAX_VALUE_DEPTH) {
    throw new ValidationError('BAD_BODY', `the value is nested more than ${MAX_VALUE_DEPTH} levels deep`);
  }
  let value: JsonValue;
  try {
    value = JSON.parse(body) as JsonValue;
  } catch (cause) {
    throw new ValidationError('BAD_BODY', 'the request body is not valid JSON', { cause });
  }
  const stored = storedValueBytes(value);
  if (stored > MAX_STORED_VALUE_BYTES) throw new PayloadTooLargeError(MAX_STORED_VALUE_BYTES, stored);
  return value;
}
