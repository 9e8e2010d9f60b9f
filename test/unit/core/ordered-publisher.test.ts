import { DeposedWrites } from '../../../src/core/deposed-writes';
import { LeaseEndedError } from '../../../src/core/errors';
import { UnpublishedWriteError } from '../../../src/core/write-failures';
import { writeItem, type WriteCommand } from '../../../src/core/leader-write';
import { OrderedPublisher, type OrderedPublisherDeps } from '../../../src/core/ordered-publisher';
import { LEASE_MARGIN_MS } from '../../../src/core/publish-order';
import { silentLog } from '../../support/in-memory-stores';
import { InMemoryLeaderTable, InMemoryLog } from '../../support/in-memory-outbox';

const WINDOW_MS = 5000;
const T0 = 1_000_000;

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Publish records answer only once the test resolves the returned gate. */
function holdRecords(leader: InMemoryLeaderTable) {
  const gate = deferred();
  const recordPublished = leader.recordPublished.bind(leader);
  leader.recordPublished = async (...args) => {
    await gate.promise;
    return recordPublished(...args);
  };
  return gate;
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** One leader process: its own ordered publisher over the shared leader table and log. */
function process_(leader: InMemoryLeaderTable, log: InMemoryLog, clock: { now: number }, overrides: Partial<OrderedPublisherDeps> = {}) {
  const waits: string[] = [];
  let claims = 0;
  const ordered = new OrderedPublisher({
    store: leader,
    publisher: log,
    windowMs: WINDOW_MS,
    log: silentLog,
    now: () => clock.now,
    sleep: async (ms) => {
      clock.now += ms;
      await flush();
    },
    newLeaseId: () => `claim-${++claims}`,
    onOrderWait: (_ms, outcome) => waits.push(outcome),
    ...overrides,
  });
  const deps = {
    leader: async () => ({ replica: 'main', term: 1, store: leader, publisher: ordered }),
    terms: { judge: async () => ({ kind: 'confirmed' as const }) },
    deposed: new DeposedWrites(),
    acknowledger: { acknowledge: async () => ({ mode: 'async', confirmedBy: [], waitedMs: 0, degraded: false }) },
    clock: { now: () => clock.now },
  };
  const write = (writeId: string, value: number, key = 'k') => {
    const command: WriteCommand = { key, op: 'put', value, ack: { kind: 'async' }, writeId };
    return writeItem(deps, command);
  };
  return { ordered, write, waits };
}

describe('ordered publishing (per-key order in the log)', () => {
  it('given two writes of a key whose commits answer in the opposite order, publishes them in version order', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const p = process_(leader, log, clock);
    const slow = deferred();
    leader.answerDelay = async (req) => {
      if (req.writeId === 'first') await slow.promise;
    };

    const first = p.write('first', 1);
    const second = p.write('second', 2);
    await flush();
    // Version 2's commit answered first; it waits for version 1, whose lease is this process's.
    expect(log.records).toEqual([]);
    slow.resolve();
    const results = await Promise.all([first, second]);

    expect(results.map((r) => r.version)).toEqual([1, 2]);
    expect(log.versionsOf('k')).toEqual([1, 2]);
    expect(p.waits).toEqual([]);
  });

  it('given the prior version is being published by another process, waits for its record, then publishes after it', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const other = process_(leader, log, clock);
    const me = process_(leader, log, clock);
    const slowPublish = deferred();
    // The other process's commit is done and its publish call has not been made yet.
    const otherCommit = deferred();
    leader.answerDelay = async (req) => {
      if (req.writeId === 'theirs') await otherCommit.promise;
    };
    const theirs = other.write('theirs', 1);
    await flush();
    const mine = me.write('mine', 2);
    await flush();
    expect(log.records).toEqual([]);
    log.answerDelay = async (event) => {
      if (event.version === 1) await slowPublish.promise;
    };
    otherCommit.resolve();
    await flush();
    slowPublish.resolve();
    await Promise.all([theirs, mine]);
    await other.ordered.drain();

    expect(log.versionsOf('k')).toEqual([1, 2]);
    expect(me.waits).toEqual(['recorded']);
  });

  it('given the prior version\'s writer died after its commit, publishes once that lease has ended and says so', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const me = process_(leader, log, clock);
    // Committed by a process that then died: its lease began 3 s ago and nobody will record it.
    leader.commitUnpublished('k', 'orphan', T0 - 3000);

    const result = await me.write('mine', 2);

    expect(result.version).toBe(2);
    expect(log.versionsOf('k')).toEqual([2]);
    expect(me.waits).toEqual(['lease-ended']);
    expect(clock.now).toBeGreaterThanOrEqual(T0 - 3000 + WINDOW_MS + LEASE_MARGIN_MS);
  });

  it('given the prior lease outlasts this write\'s own, fails the write as committed-but-unpublished instead of publishing early', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const me = process_(leader, log, clock);
    leader.commitUnpublished('k', 'in flight elsewhere', T0 - 100);

    const failure = await me.write('mine', 2).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(UnpublishedWriteError);
    expect(failure).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect((failure as UnpublishedWriteError).details).toMatchObject({ key: 'k', version: 2, committedOnLeader: true, published: false });
    expect(log.records).toEqual([]);
    // The mark stays for the relay.
    expect(leader.items.get('k')).toMatchObject({ version: 2, outboxLease: 'mine' });
  });

  it('given a publish that landed after a newer version\'s, republishes the newest state so the log ends with it', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const me = process_(leader, log, clock);
    for (let i = 0; i < 5; i++) await log.publish({ v: 1, op: 'put', key: `pad${i}`, version: 1, value: i, committedAt: 1, writeId: `p${i}` });
    // Version 3 is in the log at offset 4 and recorded; version 2's produce (below) lands at 5.
    leader.items.set('k', { key: 'k', version: 3, value: 'newest', deleted: false, updatedAt: T0, writeId: 'w3', pub: { version: 3, lease: 'w3', leaseAt: T0, position: { partition: 0, offset: '4' } } });
    const event = { v: 1 as const, op: 'put' as const, key: 'k', version: 2, value: 'older', committedAt: T0, writeId: 'w2' };

    await me.ordered.publishCommitted({ event, lease: { id: 'w2', at: T0 }, prior: undefined });
    await me.ordered.drain();
    await flush();

    expect(log.versionsOf('k')).toEqual([2, 3]);
    expect(log.lastPerKey().get('k')).toMatchObject({ version: 3, value: 'newest' });
  });

  it('given a write committed while the relay republishes the key, the write waits for the relay\'s record', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const relayProcess = process_(leader, log, clock);
    const writer = process_(leader, log, clock);
    leader.commitUnpublished('k', 'stranded', T0 - 60_000);
    let mine: Promise<unknown> | undefined;
    const claim = leader.claimLease.bind(leader);
    leader.claimLease = async (...args) => {
      const took = await claim(...args);
      // Between the relay's claim and its produce, another process commits version 2.
      mine = writer.write('mine', 2);
      await flush();
      expect(log.records).toEqual([]);
      return took;
    };

    const outcome = await relayProcess.ordered.republishCurrent('k', { staleBefore: T0 - 10_000, onlyIfLeased: true });
    await mine;

    expect(outcome).toMatchObject({ kind: 'republished', version: 1, cleared: false });
    expect(log.versionsOf('k')).toEqual([1, 2]);
    expect(writer.waits).toEqual(['recorded']);
  });

  it('given an item whose lease is fresh, leaves it to its holder', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const p = process_(leader, log, clock);
    leader.commitUnpublished('k', 'being published', T0 - 10);

    expect(await p.ordered.republishCurrent('k', { staleBefore: T0 - 6000 })).toEqual({ kind: 'fresh' });
    expect(log.records).toEqual([]);
  });
  it('given a stale mark whose version this process has published and not yet recorded, the relay leaves it to the record', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const p = process_(leader, log, clock);
    const record = holdRecords(leader);
    await p.write('w1', 1);
    // The record is still queued when the mark has outlived the relay's grace.
    clock.now += WINDOW_MS + LEASE_MARGIN_MS + 1;

    expect(await p.ordered.republishCurrent('k', { staleBefore: clock.now - WINDOW_MS - LEASE_MARGIN_MS, onlyIfLeased: true })).toEqual({ kind: 'fresh' });
    expect(log.versionsOf('k')).toEqual([1]);
    record.resolve();
    await p.ordered.drain();
    expect(await p.ordered.republishCurrent('k', { staleBefore: clock.now, onlyIfLeased: true })).toEqual({ kind: 'not-leased' });
    expect(log.versionsOf('k')).toEqual([1]);
  });

  it('given a full publish-record backlog, a write waits for room before it commits and books the wait', async () => {
    const leader = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const p = process_(leader, log, clock, { records: { concurrency: 1, maxConcurrency: 1, backlogLimit: 1 } });
    const record = holdRecords(leader);
    await p.write('w1', 1, 'a');
    expect(p.ordered.backlogFull).toBe(true);

    const second = p.write('w2', 2, 'b');
    await flush();
    expect(leader.items.has('b')).toBe(false);
    record.resolve();
    await second;
    expect(leader.items.get('b')).toMatchObject({ version: 1 });
  });

  describe('a lease that ran out while this process could not run', () => {
    /** A stall meter over the test clock: the process stood still over each [from, to]. */
    const stallsOver = (clock: { now: number }, stalls: { from: number; to: number }[]) => ({
      stalledSince: (since: number) => stalls.reduce((n, s) => n + Math.max(0, Math.min(s.to, clock.now) - Math.max(s.from, since)), 0),
    });

    /** One write whose commit answer arrives `stallMs` later, the whole time (or none of it) a stall of this process. */
    async function writeThroughAStall(stallMs: number, options: { stalled: boolean; meanwhile?: (leader: InMemoryLeaderTable) => void }) {
      const leader = new InMemoryLeaderTable();
      const log = new InMemoryLog();
      const clock = { now: T0 };
      const stalls: { from: number; to: number }[] = [];
      log.leaseClock = () => clock.now;
      const me = process_(leader, log, clock, { stalls: stallsOver(clock, stalls) });
      leader.answerDelay = async () => {
        if (options.stalled) stalls.push({ from: clock.now, to: clock.now + stallMs });
        clock.now += stallMs;
        options.meanwhile?.(leader);
      };
      const outcome = await me.write('mine', 1).catch((e: unknown) => e);
      await me.ordered.drain();
      return { leader, log, outcome };
    }

    it('given the commit answered after a stall longer than the lease, takes the lease again and publishes', async () => {
      const { leader, log, outcome } = await writeThroughAStall(WINDOW_MS + 4000, { stalled: true });

      expect(outcome).toMatchObject({ key: 'k', version: 1, position: { partition: 0, offset: '0' } });
      expect(log.versionsOf('k')).toEqual([1]);
      // Published under the renewed lease, and recorded: the mark is gone.
      expect(leader.items.get('k')?.outboxAt).toBeUndefined();
      expect(leader.items.get('k')?.pub).toMatchObject({ version: 1, lease: 'claim-1' });
    });

    it('given the same delay while the process ran (the store was slow), answers 503 and leaves the mark to the relay', async () => {
      const { leader, log, outcome } = await writeThroughAStall(WINDOW_MS + 4000, { stalled: false });

      expect(outcome).toBeInstanceOf(UnpublishedWriteError);
      expect(log.records).toEqual([]);
      expect(leader.items.get('k')).toMatchObject({ version: 1, outboxLease: 'mine' });
    });

    it('given a lease given up a millisecond short of its window with no stall (a timer firing early by the wall clock), answers 503 and does not take it again', async () => {
      const leader = new InMemoryLeaderTable();
      const clock = { now: T0 };
      let sent = 0;
      const me = process_(leader, new InMemoryLog(), clock, {
        stalls: stallsOver(clock, []),
        publisher: {
          publish: async (event) => {
            sent += 1;
            // Node runs a timer once its monotonic delay has passed; Date.now() may still read one ms less.
            clock.now = T0 + WINDOW_MS - 1;
            throw new LeaseEndedError(`the publish lease of ${event.key}@${event.version} ended before the log took it`);
          },
        },
      });

      const outcome = await me.write('mine', 1).catch((e: unknown) => e);

      expect(outcome).toBeInstanceOf(UnpublishedWriteError);
      expect(sent).toBe(1);
      expect(leader.items.get('k')).toMatchObject({ version: 1, outboxLease: 'mine' });
    });

    it('given a newer version committed during the stall, does not take the lease again', async () => {
      const { leader, log, outcome } = await writeThroughAStall(WINDOW_MS + 4000, {
        stalled: true,
        meanwhile: (l) => l.commitUnpublished('k', 'newer', T0 + 1000),
      });

      expect(outcome).toBeInstanceOf(UnpublishedWriteError);
      expect(log.records).toEqual([]);
      expect(leader.items.get('k')).toMatchObject({ version: 2, outboxLease: 'w-k-2' });
    });

    it('given a relay took the mark over during the stall, leaves the publish to it', async () => {
      const { leader, log, outcome } = await writeThroughAStall(WINDOW_MS + 4000, {
        stalled: true,
        meanwhile: (l) => {
          const item = l.items.get('k');
          if (item) l.items.set('k', { ...item, outboxLease: 'relay', outboxAt: T0 + 7000 });
        },
      });

      expect(outcome).toBeInstanceOf(UnpublishedWriteError);
      expect(log.records).toEqual([]);
      expect(leader.items.get('k')).toMatchObject({ outboxLease: 'relay' });
    });

    it('given a relay run in this process while its writer stalled, leaves the mark to that writer until it has had its window', async () => {
      const leader = new InMemoryLeaderTable();
      const log = new InMemoryLog();
      const clock = { now: T0 };
      const stalls: { from: number; to: number }[] = [];
      const me = process_(leader, log, clock, { stalls: stallsOver(clock, stalls) });
      const commitAnswered = deferred();
      leader.answerDelay = () => commitAnswered.promise;
      const write = me.write('mine', 1);
      await flush();
      stalls.push({ from: T0, to: T0 + 9000 });
      clock.now = T0 + 9000;

      // The mark is older than the relay's grace, but its holder is here and has not run out of time.
      expect(await me.ordered.republishCurrent('k', { staleBefore: clock.now - WINDOW_MS - LEASE_MARGIN_MS, onlyIfLeased: true })).toEqual({ kind: 'fresh' });
      commitAnswered.resolve();
      await expect(write).resolves.toMatchObject({ version: 1 });
      expect(log.versionsOf('k')).toEqual([1]);
    });

    it('given a writer in this process that ran its whole window and still holds the mark, the relay takes it over', async () => {
      const leader = new InMemoryLeaderTable();
      const log = new InMemoryLog();
      const clock = { now: T0 };
      const me = process_(leader, log, clock, { stalls: stallsOver(clock, []) });
      leader.answerDelay = () => new Promise(() => undefined);
      void me.write('mine', 1);
      await flush();
      clock.now = T0 + WINDOW_MS + LEASE_MARGIN_MS + 1;

      expect(await me.ordered.republishCurrent('k', { staleBefore: clock.now - WINDOW_MS - LEASE_MARGIN_MS, onlyIfLeased: true })).toMatchObject({ kind: 'republished', version: 1 });
    });
  });
});
