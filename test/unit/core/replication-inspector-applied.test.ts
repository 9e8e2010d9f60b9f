import { initialControlState } from '../../../src/core/control-state';
import { candidateViews, inspectReplication, readReplication, type ReplicationSources } from '../../../src/core/replication-inspector';
import { FakeReplicationAdmin } from '../../support/fake-replication-admin';
import { MemoryAppliedRecords } from '../../support/in-memory-applied-records';
import { InMemoryConsumerStates, InMemoryProgressStore } from '../../support/in-memory-stores';

const groupOf = (id: string) => `g-${id}`;
const state = initialControlState(
  [
    { id: 'f1', delayMs: 0 },
    { id: 'f2', delayMs: 0 },
  ],
  'f1',
  0,
);

/** Three partitions at end offset 10; both groups committed through 4 on every partition. */
function given() {
  const admin = new FakeReplicationAdmin();
  for (const p of [0, 1, 2]) admin.high.set(p, 10n);
  for (const id of ['f1', 'f2']) {
    admin.members.set(groupOf(id), 1);
    for (const p of [0, 1, 2]) admin.commit(groupOf(id), p, 4n);
  }
  const applied = new MemoryAppliedRecords();
  const base = { admin, progress: new InMemoryProgressStore(), heads: admin, consumers: new InMemoryConsumerStates(), groupOf, stallMs: 60_000, now: () => 1_700_000_000_000 };
  const withRecords: ReplicationSources = { ...base, applied };
  return { admin, applied, withRecords, without: base as ReplicationSources };
}

describe('replication inspection with applied records (REPLOG_CONFIRM_FROM=applied-record)', () => {
  it('given a follower whose applied records run ahead of its committed offsets, judges it by the further of the two per partition', async () => {
    const { applied, withRecords } = given();
    // f2 holds everything on partitions 0 and 1 (its mapping has not committed yet); 2 has no record.
    applied.items.set('f2#0', { followerId: 'f2', partition: 0, incarnation: 'a', appliedThrough: 10n });
    applied.items.set('f2#1', { followerId: 'f2', partition: 1, incarnation: 'a', appliedThrough: 10n });
    // A record behind the committed offset does not pull f1 back.
    applied.items.set('f1#0', { followerId: 'f1', partition: 0, incarnation: 'b', appliedThrough: 2n });
    const snap = await inspectReplication(withRecords, state);
    const [f1, f2] = snap.followers;
    expect(f1?.lag).toEqual({ events: 18, perPartition: { 0: 6, 1: 6, 2: 6 } });
    expect(f2?.lag).toEqual({ events: 6, perPartition: { 0: 0, 1: 0, 2: 6 } });
    // The committed offsets are still reported as the group's own.
    expect(f2?.committed).toEqual({ 0: '4', 1: '4', 2: '4' });
    // An election picks by the same evidence the acknowledger confirmed writes by.
    const views = candidateViews(snap);
    expect(views.get('f2')?.lag).toBeLessThan(views.get('f1')?.lag ?? 0);
  });

  it('given the same records but the default setting (no applied source), judges by committed offsets only', async () => {
    const { applied, without } = given();
    applied.items.set('f2#0', { followerId: 'f2', partition: 0, incarnation: 'a', appliedThrough: 10n });
    const snap = await inspectReplication(without, state);
    expect(snap.followers.map((f) => f.lag.events)).toEqual([18, 18]);
  });

  it('given the applied records unreadable, falls back to committed offsets: a follower looks further behind, never ahead, and the strict read still answers', async () => {
    const { applied, withRecords } = given();
    applied.items.set('f2#0', { followerId: 'f2', partition: 0, incarnation: 'a', appliedThrough: 10n });
    applied.failReads = true;
    const strict = await inspectReplication(withRecords, state);
    expect(strict.followers.map((f) => f.lag.events)).toEqual([18, 18]);
    expect(strict.unread).toEqual([]);
  });

  it('given a follower whose committed offsets could not be read, its applied records alone do not make it known', async () => {
    const { admin, applied, withRecords } = given();
    applied.items.set('f2#0', { followerId: 'f2', partition: 0, incarnation: 'a', appliedThrough: 10n });
    admin.failingGroups.set(groupOf('f2'), new Error('coordinator down'));
    const snap = await readReplication(withRecords, state);
    const f2 = snap.followers[1];
    expect(f2?.lag.events).toBeNull();
    expect(f2?.healthy).toBe(false);
  });
});
