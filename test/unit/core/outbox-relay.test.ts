import { relayOutbox } from '../../../src/core/outbox-relay';
import { silentLog } from '../../support/in-memory-stores';
import { InMemoryLeaderWithOutbox, InMemoryLog } from '../../support/in-memory-outbox';

const NOW = 1_000_000;

function given() {
  const leader = new InMemoryLeaderWithOutbox();
  const log = new InMemoryLog();
  const deps = { marks: leader, leader, publisher: log, log: silentLog, now: () => NOW };
  return { leader, log, deps, run: (graceMs = 5000, maxMarks = 100) => relayOutbox(deps, { graceMs, maxMarks }) };
}

describe('outbox relay', () => {
  it('given writes committed but never published, republishes their current state and clears the marks', async () => {
    const { leader, log, run } = given();
    leader.commit('a', { n: 1 }, NOW - 60_000);
    leader.commit('a', { n: 2 }, NOW - 50_000);
    leader.commit('b', 'x', NOW - 40_000);

    const report = await run();

    expect(report).toMatchObject({ found: 2, republished: 2, cleared: 2, failed: 0 });
    expect(log.records.map((r) => [r.key, r.version, r.value])).toEqual([
      ['a', 2, { n: 2 }],
      ['b', 1, 'x'],
    ]);
    expect(log.records[0]).toMatchObject({ op: 'put', writeId: 'w-a-2', committedAt: NOW - 50_000 });
    expect(await leader.marksOlderThan(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it('given a tombstone left unpublished, republishes a delete event', async () => {
    const { leader, log, run } = given();
    leader.commit('gone', { n: 1 }, NOW - 60_000);
    leader.commit('gone', null, NOW - 59_000, 'delete');

    await run();

    expect(log.records).toEqual([expect.objectContaining({ key: 'gone', op: 'delete', version: 2, value: null })]);
  });

  it('given marks younger than the grace period, leaves them to their own leader', async () => {
    const { leader, log, run } = given();
    leader.commit('inflight', 1, NOW - 1000);

    const report = await run(5000);

    expect(report.found).toBe(0);
    expect(log.records).toEqual([]);
    expect(leader.items.get('inflight')?.outboxAt).toBe(NOW - 1000);
  });

  it('given a newer write re-marked the item after the index was read, leaves the fresh mark alone', async () => {
    const { leader, log, run } = given();
    leader.commit('k', 1, NOW - 60_000);
    leader.onGet = (_key, call) => {
      if (call === 1) leader.commit('k', 2, NOW - 10);
    };

    const report = await run();

    expect(report).toMatchObject({ found: 1, fresh: 1, republished: 0 });
    expect(log.records).toEqual([]);
    expect(leader.items.get('k')).toMatchObject({ version: 2, outboxAt: NOW - 10 });
  });

  it('given a newer write lands while the relay publishes, republishes again so the newest state is last in the log', async () => {
    const { leader, log, run } = given();
    leader.commit('k', 'old', NOW - 60_000);
    // The second read (after the first publish) finds version 2, committed by a live leader meanwhile.
    leader.onGet = (_key, call) => {
      if (call === 2) leader.commit('k', 'new', NOW - 5);
    };

    const report = await run();

    expect(report).toMatchObject({ republished: 2, cleared: 1 });
    expect(log.lastPerKey().get('k')).toMatchObject({ version: 2, value: 'new' });
    // Version 2 is in the log now, published by the relay itself, so its mark could go too.
    expect(leader.items.get('k')?.outboxAt).toBeUndefined();
  });

  it('given a mark already cleared by its leader after the index was read, does nothing', async () => {
    const { leader, log, run } = given();
    leader.commit('k', 1, NOW - 60_000);
    leader.onGet = (key, call) => {
      if (call === 1) void leader.clearOutboxMark(key, 1);
    };

    const report = await run();

    expect(report).toMatchObject({ found: 1, alreadyClear: 1, republished: 0 });
    expect(log.records).toEqual([]);
  });

  it('given the log fails, keeps every mark, stops trying and reports it', async () => {
    const { leader, log, run } = given();
    for (let i = 0; i < 20; i++) leader.commit(`k${i}`, i, NOW - 60_000 + i);
    log.failFrom = 3;

    const report = await run();

    expect(report.found).toBe(20);
    expect(report.failed).toBeGreaterThanOrEqual(1);
    expect(report.cleared).toBe(3);
    expect(report.cleared + report.failed + report.deferred).toBe(20);
    expect(report.errors[0]).toMatch(/broker unavailable/);
    expect((await leader.marksOlderThan(NOW, 100)).length).toBe(17);
  });

  it('given more stale marks than one run may handle, handles the oldest and says more remain', async () => {
    const { leader, log, run } = given();
    for (let i = 0; i < 10; i++) leader.commit(`k${i}`, i, NOW - 60_000 + i);

    const report = await run(5000, 4);

    expect(report).toMatchObject({ found: 4, cleared: 4, more: true });
    expect(log.records.map((r) => r.key).sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
  });
});
