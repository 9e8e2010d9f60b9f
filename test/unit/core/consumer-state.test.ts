import { CONSUMER_BACKOFF, ConsumerLifecycle, RESTARTING_REPORT_FRESH_MS, restartDelayMs, viewConsumer } from '../../../src/core/consumer-state';

describe('consumer lifecycle', () => {
  it('given repeated failures, backs off exponentially up to the cap, with jitter inside each step', () => {
    const low = [1, 2, 3, 4, 10, 20].map((a) => restartDelayMs(a, CONSUMER_BACKOFF, () => 0));
    const high = [1, 2, 3, 4, 10, 20].map((a) => restartDelayMs(a, CONSUMER_BACKOFF, () => 1));
    expect(high).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
    expect(low).toEqual([250, 500, 1000, 2000, 15_000, 15_000]);
  });

  it('given a crash, reports restarting with the error; a rejoin reports running, resets the backoff and keeps the error', () => {
    let now = 1000;
    const life = new ConsumerLifecycle('f1', 'host:7', () => now, CONSUMER_BACKOFF, () => 1);
    expect(life.joined()).toMatchObject({ state: 'running', restarts: 0, lastError: null });
    // A rebalance's rejoin is no news.
    expect(life.joined()).toBeUndefined();

    now = 2000;
    const first = life.failed(Object.assign(new Error('The coordinator is not aware of this member'), { name: 'KafkaJSNonRetriableError' }));
    expect(first).toMatchObject({ delayMs: 500, attempt: 1 });
    expect(first.report).toMatchObject({
      state: 'restarting',
      since: 2000,
      restarts: 1,
      nextAttemptAt: 2500,
      lastError: { name: 'KafkaJSNonRetriableError', message: 'The coordinator is not aware of this member', at: 2000 },
    });
    now = 2600;
    // The restart attempt itself failed (broker still down): same restart, longer wait.
    const second = life.failed(new Error('Connection refused'));
    expect(second).toMatchObject({ delayMs: 1000, attempt: 2, report: { state: 'restarting', since: 2000, restarts: 1 } });

    now = 4000;
    expect(life.joined()).toMatchObject({ state: 'running', since: 4000, restarts: 1, nextAttemptAt: null, lastError: { message: 'Connection refused' } });
    now = 5000;
    expect(life.failed('not an Error')).toMatchObject({ delayMs: 500, attempt: 1, report: { restarts: 2, lastError: { name: 'Error', message: 'not an Error' } } });
  });

  it('given reports, status tells running, restarting, absent (no live member) and silent (a restarting report gone stale) apart', () => {
    const now = 100_000;
    const base = { followerId: 'f1', owner: 'h:1', since: 0, restarts: 1, lastError: null, nextAttemptAt: null };
    expect(viewConsumer(undefined, 1, now)).toBeNull();
    expect(viewConsumer({ ...base, state: 'running', reportedAt: 0 }, 1, now)?.state).toBe('running');
    expect(viewConsumer({ ...base, state: 'running', reportedAt: 0 }, 0, now)?.state).toBe('absent');
    expect(viewConsumer({ ...base, state: 'restarting', reportedAt: now - 1000 }, 0, now)?.state).toBe('restarting');
    expect(viewConsumer({ ...base, state: 'restarting', reportedAt: now - RESTARTING_REPORT_FRESH_MS - 1 }, 0, now)?.state).toBe('silent');
  });
});
