import { ValidationError } from './errors';

/** DynamoDB allows 2048-byte partition keys; we keep headroom for the follower table's key shape. */
export const MAX_KEY_BYTES = 1024;

// C0/C1 control characters and lone surrogates make keys that logs, URLs and terminals mangle.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function validateItemKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError('BAD_KEY', 'the item key must be a non-empty string');
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new ValidationError('BAD_KEY', `the item key is ${bytes} bytes; the limit is ${MAX_KEY_BYTES}`);
  }
  if (CONTROL_CHARS.test(key)) {
    throw new ValidationError('BAD_KEY', 'the item key must not contain control characters');
  }
  if (LONE_SURROGATE.test(key)) {
    throw new ValidationError('BAD_KEY', 'the item key is not valid Unicode');
  }
  return key;
}
