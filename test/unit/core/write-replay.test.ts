import { DeposedWrites } from '../../../src/core/deposed-writes';
import { writeItem, type WriteCommand } from '../../../src/core/leader-write';
import { OrderedPublisher } from '../../../src/core/ordered-publisher';
import { LEASE_MARGIN_MS } from '../../../src/core/publish-order';
import { UnpublishedWriteError } from '../../../src/core/write-failures';
import { silentLog } from '../../support/in-memory-stores';
import { InMemoryLeaderTable, InMemoryLog } from '../../support/in-memory-outbox';

const WINDOW_MS = 5000;
const T0 = 1_000_000;

/** One leader process over a shared table and log, acknowledging at once. */
function leaderProcess(table: InMemoryLeaderTable, log: InMemoryLog, clock: { now: number }) {
  let claims = 0;
  const ordered = new OrderedPublisher({
    store: table,
    publisher: log,
    windowMs: WINDOW_MS,
    log: silentLog,
    now: () => clock.now,
    sleep: async (ms) => {
      clock.now += ms;
    },
    newLeaseId: () => `claim-${++claims}`,
  });
  const deps = {
    leader: async () => ({ replica: 'main', term: 1, store: table, publisher: ordered }),
    terms: { judge: async () => ({ kind: 'confirmed' as const }) },
    deposed: new DeposedWrites(),
    acknowledger: { acknowledge: async () => ({ mode: 'async', confirmedBy: [], waitedMs: 0, degraded: false }) },
    clock: { now: () => clock.now },
  };
  return {
    ordered,
    write: (command: Partial<WriteCommand> & { writeId: string }) =>
      writeItem(deps, { key: 'k', op: 'put', value: { n: 1 }, ack: { kind: 'async' }, ...command }),
  };
}

describe('a write sent again with the same writeId', () => {
  it('given the first attempt was acknowledged, answers with its version and position and writes nothing new', async () => {
    const table = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const p = leaderProcess(table, log, { now: T0 });
    const first = await p.write({ writeId: 'w-1' });
    await p.ordered.drain();

    const again = await p.write({ writeId: 'w-1' });

    expect(again).toMatchObject({ version: first.version, position: first.position, writeId: 'w-1', replayed: true });
    expect(first.replayed).toBe(false);
    expect(log.versionsOf('k')).toEqual([1]);
    expect(table.items.get('k')?.version).toBe(1);
  });

  it('given a delete whose answer was lost, a retry is answered, not refused as deleting what is absent', async () => {
    const table = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const p = leaderProcess(table, log, { now: T0 });
    await p.write({ writeId: 'w-put' });
    const first = await p.write({ writeId: 'w-del', op: 'delete', value: null });
    await p.ordered.drain();

    await expect(p.write({ writeId: 'w-del', op: 'delete', value: null })).resolves.toMatchObject({ version: first.version, replayed: true });
    expect(log.versionsOf('k')).toEqual([1, 2]);
  });

  it('given the same writeId with another value, refuses with 409 and writes nothing', async () => {
    const table = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const p = leaderProcess(table, log, { now: T0 });
    await p.write({ writeId: 'w-1' });

    await expect(p.write({ writeId: 'w-1', value: { n: 2 } })).rejects.toMatchObject({ status: 409, code: 'CONFLICT', details: { writeId: 'w-1', version: 1 } });
    expect(table.items.get('k')).toMatchObject({ version: 1, value: { n: 1 } });
  });

  it('given the first attempt committed but never published (its writer died), a retry within its lease is a retriable 503, and after it publishes and acknowledges that version', async () => {
    const table = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const clock = { now: T0 };
    const p = leaderProcess(table, log, clock);
    // What a writer that died right after its commit leaves: the version with its open lease.
    const orphan = table.commitUnpublished('k', { n: 1 }, T0);

    const early = p.write({ writeId: orphan.writeId as string });
    await expect(early).rejects.toBeInstanceOf(UnpublishedWriteError);
    await expect(early).rejects.toMatchObject({ status: 503, retriable: true, details: { committedOnLeader: true, published: false, version: 1 } });
    expect(log.records).toEqual([]);

    clock.now = T0 + WINDOW_MS + LEASE_MARGIN_MS + 1;
    const late = await p.write({ writeId: orphan.writeId as string });

    expect(late).toMatchObject({ version: 1, replayed: true });
    expect(log.versionsOf('k')).toEqual([1]);
  });

  it('given a newer version since, the writeId is a new write (the replay window is the key’s newest version)', async () => {
    const table = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const p = leaderProcess(table, log, { now: T0 });
    await p.write({ writeId: 'w-1' });
    await p.write({ writeId: 'w-2', value: { n: 2 } });

    await expect(p.write({ writeId: 'w-1' })).resolves.toMatchObject({ version: 3, replayed: false });
  });
});
