import { decodeCursor, encodeCursor } from '../../../src/adapters/dynamodb/item-scan';

describe('list cursors', () => {
  it('given a last evaluated key, round-trips it through an opaque base64url cursor', () => {
    const cursor = encodeCursor({ pk: 'user:1/ü' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ pk: 'user:1/ü' });
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('pk').toString('base64url')],
    ['another shape', Buffer.from(JSON.stringify({ pk: 'a', sk: 'b' })).toString('base64url')],
    ['a key that is not text', Buffer.from(JSON.stringify({ pk: 7 })).toString('base64url')],
  ])('given a cursor that is %s, refuses it with BAD_QUERY', (_what, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ code: 'BAD_QUERY', status: 400 }));
  });
});
