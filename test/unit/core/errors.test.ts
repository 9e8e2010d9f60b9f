import { InternalError, isRetriable, StoreUnavailableError, UnavailableError } from '../../../src/core/errors';
import { UncommittedWriteError, UnpublishedWriteError, WriteFailureError } from '../../../src/core/write-failures';
import { changeEvent } from '../../support/event-fixtures';

describe('retriable means a retry could succeed', () => {
  it('given a bug anywhere in the causes, is never retriable, whatever wraps it', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'key')");
    expect(new UnavailableError('the log is unavailable', { cause: bug }).retriable).toBe(false);
    expect(new UnavailableError('outer', { cause: new UnavailableError('inner', { cause: bug }) }).retriable).toBe(false);
    expect(new UnpublishedWriteError(changeEvent(), bug).retriable).toBe(false);
    expect(isRetriable(bug)).toBe(false);
  });

  it('given a dependency that did not answer, is retriable; a network TypeError from fetch is not a bug', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(new UnavailableError('down', { cause: new TypeError('fetch failed', { cause: refused }) }).retriable).toBe(true);
    expect(new UnpublishedWriteError(changeEvent(), new UnavailableError('broker down')).retriable).toBe(true);
    expect(isRetriable(new Error('an error nobody translated'))).toBe(true);
    expect(isRetriable(new InternalError('refused'))).toBe(false);
  });

  it('given a commit that failed, keeps the failure and says what is known about the commit', () => {
    const lost = new StoreUnavailableError('DynamoDB UpdateItem on t failed: timeout', true);
    const failure = new UncommittedWriteError(lost, null);
    expect(failure).toBeInstanceOf(WriteFailureError);
    expect(failure).toMatchObject({ code: 'UNAVAILABLE', status: 503, retriable: true, committedOnLeader: null, cause: lost });
    expect(failure.details).toEqual({ dependency: 'store', mayHaveApplied: true, committedOnLeader: null, published: false });
  });
});
