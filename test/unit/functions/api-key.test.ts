import { ReplogError } from '../../../src/core/errors';
import { type Access, requireAccess } from '../../../src/functions/http/api-key';

const KEY = 'correct-horse-battery-staple-42';

function attempt(headers: Record<string, string>, access: Access, auth = { apiKey: KEY as string | undefined, readsRequireKey: false }) {
  try {
    requireAccess({ headers }, auth, access);
    return 'allowed';
  } catch (error) {
    if (!(error instanceof ReplogError)) throw error;
    return `${error.status} ${error.code}`;
  }
}

describe('API key check (local and handler side)', () => {
  it.each<[string, Record<string, string>, Access, string]>([
    ['a write with the key in x-api-key', { 'x-api-key': KEY }, 'write', 'allowed'],
    ['an admin call with a Bearer token', { authorization: `Bearer ${KEY}` }, 'admin', 'allowed'],
    ['mixed-case header names', { 'X-Api-Key': KEY }, 'write', 'allowed'],
    ['a write without a key', {}, 'write', '401 UNAUTHORIZED'],
    ['an empty x-api-key', { 'x-api-key': '' }, 'write', '401 UNAUTHORIZED'],
    ['Authorization that is not a Bearer token', { authorization: `Basic ${KEY}` }, 'admin', '401 UNAUTHORIZED'],
    ['a wrong key', { 'x-api-key': 'wrong-key-wrong-key-wrong' }, 'write', '403 FORBIDDEN'],
    ['the key with one character missing', { 'x-api-key': KEY.slice(0, -1) }, 'admin', '403 FORBIDDEN'],
    ['the key with a suffix', { 'x-api-key': `${KEY}x` }, 'write', '403 FORBIDDEN'],
    ['a read without a key while reads are open', {}, 'read', 'allowed'],
  ])('given %s, answers %s', (_what, headers, access, expected) => {
    expect(attempt(headers, access)).toBe(expected);
  });

  it('given reads require a key, a read without one is 401 and with a wrong one 403', () => {
    const auth = { apiKey: KEY, readsRequireKey: true };
    expect(attempt({}, 'read', auth)).toBe('401 UNAUTHORIZED');
    expect(attempt({ 'x-api-key': 'nope-nope-nope-nope' }, 'read', auth)).toBe('403 FORBIDDEN');
    expect(attempt({ 'x-api-key': KEY }, 'read', auth)).toBe('allowed');
  });

  it('given no key is configured, everything is allowed', () => {
    expect(attempt({}, 'admin', { apiKey: undefined, readsRequireKey: true })).toBe('allowed');
  });

  it('never repeats the presented or the configured key in its error message', () => {
    for (const headers of [{ 'x-api-key': 'presented-secret-value' }, {}]) {
      try {
        requireAccess({ headers }, { apiKey: KEY, readsRequireKey: false }, 'write');
      } catch (error) {
        expect((error as Error).message).not.toContain('presented-secret-value');
        expect((error as Error).message).not.toContain(KEY);
      }
    }
  });
});
