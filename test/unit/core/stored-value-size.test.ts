import { PayloadTooLargeError } from '../../../src/core/errors';
import { MAX_STORED_VALUE_BYTES, parseItemBody } from '../../../src/core/item-value';

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
});
