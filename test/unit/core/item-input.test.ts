import { PayloadTooLargeError, ValidationError } from '../../../src/core/errors';
import { MAX_KEY_BYTES, validateItemKey } from '../../../src/core/item-key';
import { parseItemBody } from '../../../src/core/item-value';

describe('item key validation', () => {
  it.each(['a', 'user:42', 'ключ', '🙂 emoji', 'with/slash', 'x'.repeat(MAX_KEY_BYTES)])('accepts %s', (key) => {
    expect(validateItemKey(key)).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(MAX_KEY_BYTES + 1)],
    ['too long in UTF-8 bytes', 'é'.repeat(MAX_KEY_BYTES / 2 + 1)],
    ['a newline', 'a\nb'],
    ['a NUL', 'a\u0000b'],
    ['a DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a lone surrogate', 'a\ud800b'],
  ])('rejects a key that is %s', (_what, key) => {
    expect(() => validateItemKey(key)).toThrow(ValidationError);
  });

  it('rejects a missing key', () => {
    expect(() => validateItemKey(undefined)).toThrow(/non-empty string/);
  });
});

describe('item body parsing', () => {
  it.each([['{"n":1}', { n: 1 }], ['[1,2]', [1, 2]], ['"text"', 'text'], ['null', null], ['12.5', 12.5]])(
    'parses %s',
    (body, value) => {
      expect(parseItemBody(body, 1024)).toEqual(value);
    },
  );

  it('rejects a missing or empty body', () => {
    expect(() => parseItemBody(undefined, 1024)).toThrow(/must be a JSON value/);
    expect(() => parseItemBody('', 1024)).toThrow(/must be a JSON value/);
  });

  it('rejects a body that is not JSON with 400', () => {
    try {
      parseItemBody('{"n":', 1024);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).status).toBe(400);
    }
  });

  it('rejects an oversized body with 413 before parsing it', () => {
    const body = JSON.stringify({ pad: 'x'.repeat(2000) });
    expect(() => parseItemBody(body, 1000)).toThrow(PayloadTooLargeError);
  });
});
