import { PayloadTooLargeError, ValidationError } from '../../../src/core/errors';
import { jsonNestingDepth, MAX_STORED_VALUE_BYTES, MAX_VALUE_DEPTH, parseItemBody } from '../../../src/core/item-value';

describe('stored value size', () => {
  it('given a body under the body cap whose stored encoding is larger than DynamoDB can hold, answers 413', () => {
    // 4 bytes per element in the body, 22 once re-encoded: the stored text is 5x the body.
    const body = `[${Array.from({ length: 30_000 }, () => '1e20').join(',')}]`;
    expect(body.length).toBeLessThan(256 * 1024);
    expect(() => parseItemBody(body, 256 * 1024)).toThrow(PayloadTooLargeError);
  });

  it('given a body whose stored encoding fits, accepts it', () => {
    const body = JSON.stringify({ pad: 'x'.repeat(MAX_STORED_VALUE_BYTES - 20) });
    expect(parseItemBody(body, 1024 * 1024)).toEqual({ pad: expect.any(String) });
  });

  it('given a value nested deeper than the limit, answers 400 instead of overflowing the stack', () => {
    const deep = `${'['.repeat(MAX_VALUE_DEPTH + 1)}${']'.repeat(MAX_VALUE_DEPTH + 1)}`;
    expect(() => parseItemBody(deep, 1024 * 1024)).toThrow(ValidationError);
    expect(() => parseItemBody('['.repeat(100_000), 1024 * 1024)).toThrow(/nested more than/);
    const limit = `${'{"a":'.repeat(MAX_VALUE_DEPTH)}1${'}'.repeat(MAX_VALUE_DEPTH)}`;
    expect(parseItemBody(limit, 1024 * 1024)).toBeDefined();
  });

  it.each([
    ['[]', 1],
    ['{"a":[{"b":2}]}', 3],
    ['"[[[["', 0],
    ['["\\"]', 1],
    ['["\\"[["]', 1],
    ['42', 0],
  ])('measures the nesting of %s as %i, ignoring brackets inside strings', (text, depth) => {
    expect(jsonNestingDepth(text)).toBe(depth);
  });
});
