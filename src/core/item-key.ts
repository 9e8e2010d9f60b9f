import { ValidationError } from './errors';

/** DynamoDB allows 2048-byte partition keys; we keep headroom for the follower table's key shape. */
export const MAX_KEY_BYTES = 1024;

// C0/C1 control characters and lone surrogates make keys that logs, URLs and terminals mangle.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a key is unacceptable, or undefined when it is fine. Shared by the HTTP edge (400) and the
 * follower's event schema (poison): a follower must never be handed a key the leader would refuse.
 */
export function itemKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'the item key must be a non-empty string';
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `the item key is ${bytes} bytes; the limit is ${MAX_KEY_BYTES}`;
  if (CONTROL_CHARS.test(key)) return 'the item key must not contain control characters';
  if (LONE_SURROGATE.test(key)) return 'the item key is not valid Unicode';
  return undefined;
}

export function validateItemKey(key: unknown): string {
  const problem = itemKeyProblem(key);
  if (problem !== undefined) throw new ValidationError('BAD_KEY', problem);
  return key as string;
}
