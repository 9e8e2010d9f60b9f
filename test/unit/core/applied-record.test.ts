import { AppliedRecordWriter, furthest } from '../../../src/core/applied-record';
import { OffsetWatcher } from '../../../src/core/offset-watcher';
import type { OffsetReader } from '../../../src/core/ports';
import type { CommittedOffsets } from '../../../src/core/positions';
import { MemoryAppliedRecords } from '../../support/in-memory-applied-records';
import { silentLog } from '../../support/in-memory-stores';
import { ManualClock } from '../../support/manual-clock';

/** Committed offsets the test moves by hand: in Lambda, the event source mapping's commits. */
class GroupOffsets implements OffsetReader {
  readonly groups = new Map<string, Map<number, bigint>>();
  fail = false;

  commit(group: string, partition: number, next: bigint): void {
    const m = this.groups.get(group) ?? new Map<number, bigint>();
    m.set(partition, next);
    this.groups.set(group, m);
  }

  async committedOffsets(groupIds: readonly string[]): Promise<Map<string, CommittedOffsets>> {
    if (this.fail) throw new Error('coordinator unreachable');
    return new Map(groupIds.map((g) => [g, new Map(this.groups.get(g) ?? [])]));
  }
}

/** A follower table as far as confirmation cares: the offsets applied into it, per partition. */
class FollowerTable {
  readonly applied = new Map<number, bigint>();
  apply(partition: number, through: bigint): void {
    this.applied.set(partition, through);
  }
}

const groupOf = (id: string) => `g-${id}`;

function setup(options: { applied: boolean } = { applied: true }) {
  const clock = new ManualClock();
  const records = new MemoryAppliedRecords();
  const groups = new GroupOffsets();
  let n = 0;
  const writer = new AppliedRecordWriter(records, () => `inc-${++n}`);
  const watcher = new OffsetWatcher(groups, { pollMs: 1, groupOf, ...(options.applied ? { applied: records } : {}) }, silentLog, clock);
  /** What the follower handler does for one partition batch: basis, apply, claim. */
  const deliver = async (table: FollowerTable, partition: number, through: bigint) => {
    const basis = await writer.basis('f1', partition);
    table.apply(partition, through);
    return writer.claim('f1', partition, basis, through);
  };
  return { clock, records, groups, writer, watcher, deliver };
}

describe('applied records', () => {
  it('confirm a write the follower applied and recorded while its group has not committed yet', async () => {
    const { clock, watcher, deliver } = setup();
    const table = new FollowerTable();
    // The first batch on a fresh record creates a claim of nothing; the next ones claim.
    expect(await deliver(table, 0, 5n)).toBe(false);
    expect(await deliver(table, 0, 10n)).toBe(true);
    const outcome = await clock.run(watcher.waitFor({ partition: 0, offset: '9' }, ['f1'], 1, 100));
    expect(outcome).toEqual({ confirmedBy: ['f1'], satisfied: true });
  });

  it('never confirm past what was recorded: offset 10 waits while the record says 10 (next offset)', async () => {
    const { clock, watcher, deliver } = setup();
    const table = new FollowerTable();
    await deliver(table, 0, 5n);
    await deliver(table, 0, 10n);
    const outcome = await clock.run(watcher.waitFor({ partition: 0, offset: '10' }, ['f1'], 1, 50));
    expect(outcome.satisfied).toBe(false);
  });

  it('are ignored unless REPLOG_CONFIRM_FROM=applied-record', async () => {
    const { clock, watcher, deliver } = setup({ applied: false });
    const table = new FollowerTable();
    await deliver(table, 0, 5n);
    await deliver(table, 0, 10n);
    expect((await clock.run(watcher.waitFor({ partition: 0, offset: '9' }, ['f1'], 1, 50))).satisfied).toBe(false);
  });

  it('and committed offsets count together: per partition the further one confirms', async () => {
    const { clock, groups, watcher, deliver } = setup();
    const table = new FollowerTable();
    await deliver(table, 0, 5n);
    await deliver(table, 0, 10n);
    groups.commit('g-f1', 1, 7n);
    const p0 = watcher.waitFor({ partition: 0, offset: '9' }, ['f1'], 1, 100);
    const p1 = watcher.waitFor({ partition: 1, offset: '6' }, ['f1'], 1, 100);
    await expect(clock.run(Promise.all([p0, p1]))).resolves.toEqual([
      { confirmedBy: ['f1'], satisfied: true },
      { confirmedBy: ['f1'], satisfied: true },
    ]);
  });

  it('committed offsets that cannot be read leave confirmation to the records', async () => {
    const { clock, groups, watcher, deliver } = setup();
    const table = new FollowerTable();
    await deliver(table, 0, 5n);
    await deliver(table, 0, 10n);
    groups.commit('g-f1', 0, 4n);
    groups.fail = true;
    expect((await clock.run(watcher.waitFor({ partition: 0, offset: '9' }, ['f1'], 1, 100))).satisfied).toBe(true);
  });

  it('a record that cannot be read leaves confirmation to the committed offset alone', async () => {
    const { clock, records, groups, watcher, deliver } = setup();
    const table = new FollowerTable();
    await deliver(table, 0, 5n);
    await deliver(table, 0, 10n);
    groups.commit('g-f1', 0, 4n);
    records.failReads = true;
    expect((await clock.run(watcher.waitFor({ partition: 0, offset: '3' }, ['f1'], 1, 50))).satisfied).toBe(true);
    expect((await clock.run(watcher.waitFor({ partition: 0, offset: '5' }, ['f1'], 1, 50))).satisfied).toBe(false);
  });

  it('after a rebuild, the old table’s record confirms nothing, and a claim in flight across it is refused', async () => {
    const { clock, records, groups, watcher, deliver, writer } = setup();
    const old = new FollowerTable();
    await deliver(old, 0, 5n);
    await deliver(old, 0, 100n);
    // A batch in flight: its basis was read before the rebuild began, it applied into the old table.
    const inFlight = await writer.basis('f1', 0);
    old.apply(0, 150n);
    // The rebuild (core/replay.ts): offsets to the start, records forgotten, table recreated, forgotten again.
    groups.commit('g-f1', 0, 0n);
    await records.forgetApplied('f1', [0]);
    const fresh = new FollowerTable();
    await records.forgetApplied('f1', [0]);
    expect(await writer.claim('f1', 0, inFlight, 150n)).toBe(false);
    expect(records.items.size).toBe(0);
    expect((await clock.run(watcher.waitFor({ partition: 0, offset: '50' }, ['f1'], 1, 50))).satisfied).toBe(false);

    // The replay fills the fresh table and commits 40; the live consumer continues from there.
    fresh.apply(0, 40n);
    groups.commit('g-f1', 0, 40n);
    expect(await deliver(fresh, 0, 60n)).toBe(false); // creates a claim of nothing under a new incarnation
    expect((await clock.run(watcher.waitFor({ partition: 0, offset: '50' }, ['f1'], 1, 50))).satisfied).toBe(false);
    expect(await deliver(fresh, 0, 80n)).toBe(true);
    expect((await clock.run(watcher.waitFor({ partition: 0, offset: '70' }, ['f1'], 1, 50))).satisfied).toBe(true);
    expect((await clock.run(watcher.waitFor({ partition: 0, offset: '90' }, ['f1'], 1, 50))).satisfied).toBe(false);
  });

  it('a writer whose incarnation was replaced claims nothing for the batch in hand, then claims under the new one', async () => {
    const { records, writer, deliver } = setup();
    const table = new FollowerTable();
    await deliver(table, 0, 5n);
    await deliver(table, 0, 10n);
    const stale = records.items.get('f1#0')?.incarnation;
    // Another run forgot and re-created the record (a rebuild elsewhere) while this container cached the old one.
    await records.forgetApplied('f1', [0]);
    await records.createApplied('f1', 0, 'other');
    expect(await deliver(table, 0, 20n)).toBe(false);
    expect(records.items.get('f1#0')).toMatchObject({ incarnation: 'other', appliedThrough: 0n });
    expect(await deliver(table, 0, 30n)).toBe(true);
    expect(records.items.get('f1#0')).toMatchObject({ incarnation: 'other', appliedThrough: 30n });
    expect(stale).not.toBe('other');
    expect(await writer.basis('f1', 0)).toEqual({ incarnation: 'other' });
  });

  it('a redelivered batch leaves the record where it is: it only moves forward', async () => {
    const { records, deliver } = setup();
    const table = new FollowerTable();
    await deliver(table, 0, 5n);
    await deliver(table, 0, 10n);
    expect(await deliver(table, 0, 8n)).toBe(true);
    expect(records.items.get('f1#0')?.appliedThrough).toBe(10n);
  });

  it('furthest takes the larger offset per partition', () => {
    const merged = furthest(new Map([[0, 5n], [1, 9n]]), new Map([[0, 7n], [2, 1n]]));
    expect(merged).toEqual(new Map([[0, 7n], [1, 9n], [2, 1n]]));
    expect(furthest(undefined, new Map([[0, 1n]]))).toEqual(new Map([[0, 1n]]));
  });
});
