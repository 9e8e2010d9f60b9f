import { InternalError } from '../../../src/core/errors';
import { OrderedPublisher } from '../../../src/core/ordered-publisher';
import { relayOutbox } from '../../../src/core/outbox-relay';
import { silentLog } from '../../support/in-memory-stores';
import { InMemoryLeaderTable, InMemoryLog } from '../../support/in-memory-outbox';

const NOW = 1_000_000;

function given() {
  const leader = new InMemoryLeaderTable();
  const log = new InMemoryLog();
  let claims = 0;
  const publisher = new OrderedPublisher({
    store: leader,
    publisher: log,
    windowMs: 5000,
    log: silentLog,
    now: () => NOW,
    sleep: async () => undefined,
    newLeaseId: () => `claim-${++claims}`,
  });
  const deps = { marks: leader, publisher, log: silentLog, now: () => NOW };
  return { leader, log, deps, run: (graceMs = 5000, maxMarks = 100) => relayOutbox(deps, { graceMs, maxMarks }) };
}

describe('outbox relay', () => {
  it('given writes committed but never published, republishes their current state and clears the marks', async () => {
    const { leader, log, run } = given();
    leader.commitUnpublished('a', { n: 1 }, NOW - 60_000);
    leader.commitUnpublished('a', { n: 2 }, NOW - 50_000);
    leader.commitUnpublished('b', 'x', NOW - 40_000);

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
    leader.commitUnpublished('gone', { n: 1 }, NOW - 60_000);
    leader.commitUnpublished('gone', null, NOW - 59_000, 'delete');

    await run();

    expect(log.records).toEqual([expect.objectContaining({ key: 'gone', op: 'delete', version: 2, value: null })]);
  });

  it('given marks younger than the grace period, leaves them to their own leader', async () => {
    const { leader, log, run } = given();
    leader.commitUnpublished('inflight', 1, NOW - 1000);

    const report = await run(5000);

    expect(report.found).toBe(0);
    expect(log.records).toEqual([]);
    expect(leader.items.get('inflight')?.outboxAt).toBe(NOW - 1000);
  });

  it('given a newer write re-marked the item after the index was read, leaves the fresh mark alone', async () => {
    const { leader, log, run } = given();
    leader.commitUnpublished('k', 1, NOW - 60_000);
    leader.onGet = (_key, call) => {
      if (call === 1) leader.commitUnpublished('k', 2, NOW - 10);
    };

    const report = await run();

    expect(report).toMatchObject({ found: 1, fresh: 1, republished: 0 });
    expect(log.records).toEqual([]);
    expect(leader.items.get('k')).toMatchObject({ version: 2, outboxAt: NOW - 10 });
  });

  it('given a newer write lands while the relay publishes, leaves the newer mark to that write, whose publish comes after the relay\'s', async () => {
    const { leader, log, run } = given();
    leader.commitUnpublished('k', 'old', NOW - 60_000);
    // Right after the relay took its lease, a live leader commits version 2 (and would wait for
    // the relay's record before publishing: core/publish-order.ts).
    const claim = leader.claimLease.bind(leader);
    leader.claimLease = async (...args) => {
      const took = await claim(...args);
      leader.commitUnpublished('k', 'new', NOW - 5);
      return took;
    };

    const report = await run();

    expect(report).toMatchObject({ republished: 1, superseded: 1, cleared: 0 });
    expect(log.versionsOf('k')).toEqual([1]);
    // Version 2's mark is its own writer's, and the relay's record of version 1 is there for it.
    expect(leader.items.get('k')).toMatchObject({ version: 2, outboxAt: NOW - 5, outboxLease: 'w-k-2', pub: { version: 1 } });
  });

  it('given a mark already cleared by its leader after the index was read, does nothing', async () => {
    const { leader, log, run } = given();
    leader.commitUnpublished('k', 1, NOW - 60_000);
    leader.onGet = (key, call) => {
      if (call === 1) void leader.recordPublished(key, { version: 1 }, { id: 'w-k-1', at: NOW - 60_000 }, { partition: 0, offset: '0' });
    };

    const report = await run();

    expect(report).toMatchObject({ found: 1, alreadyClear: 1, republished: 0 });
    expect(log.records).toEqual([]);
  });

  it('given the log fails, keeps every mark, stops trying and reports it', async () => {
    const { leader, log, run } = given();
    for (let i = 0; i < 20; i++) leader.commitUnpublished(`k${i}`, i, NOW - 60_000 + i);
    log.failFrom = 3;

    const report = await run();

    expect(report.found).toBe(20);
    expect(report.failed).toBeGreaterThanOrEqual(1);
    expect(report.cleared).toBe(3);
    expect(report.cleared + report.failed + report.deferred).toBe(20);
    expect(report.errors[0]).toMatch(/broker unavailable/);
    // Every mark stays (a failed republish keeps the lease it took, so its next try waits out the grace period).
    expect((await leader.marksOlderThan(Number.MAX_SAFE_INTEGER, 100)).length).toBe(17);
  });

  it('given a failure no retry can fix for one mark, reports it and still relays the others', async () => {
    const { leader, log, run } = given();
    for (let i = 0; i < 6; i++) leader.commitUnpublished(`k${i}`, i, NOW - 60_000 + i);
    const publish = log.publish.bind(log);
    log.publish = async (event, options) => {
      if (event.key === 'k2') throw new InternalError('a bug met while encoding k2');
      return publish(event, options);
    };

    const report = await run();

    expect(report).toMatchObject({ found: 6, failed: 1, deferred: 0, cleared: 5 });
    expect(report.errors).toEqual(['a bug met while encoding k2']);
    expect((await leader.marksOlderThan(Number.MAX_SAFE_INTEGER, 100)).map((m) => m.key)).toEqual(['k2']);
  });

  it('given more stale marks than one run may handle, handles the oldest and says more remain', async () => {
    const { leader, log, run } = given();
    for (let i = 0; i < 10; i++) leader.commitUnpublished(`k${i}`, i, NOW - 60_000 + i);

    const report = await run(5000, 4);

    expect(report).toMatchObject({ found: 4, cleared: 4, more: true });
    expect(log.records.map((r) => r.key).sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
  });
});
