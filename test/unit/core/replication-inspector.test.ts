import { withBatchProgress } from '../../../src/core/apply-progress';
import { initialControlState } from '../../../src/core/control-state';
import { candidateViews, inspectReplication, type ReplicationSources } from '../../../src/core/replication-inspector';
import { FakeReplicationAdmin } from '../../support/fake-replication-admin';
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

function given() {
  let now = 1_700_000_000_000;
  const admin = new FakeReplicationAdmin();
  const progress = new InMemoryProgressStore();
  for (const p of [0, 1, 2]) admin.high.set(p, 10n);
  for (const id of ['f1', 'f2']) {
    admin.members.set(groupOf(id), 1);
    admin.catchUp(groupOf(id));
  }
  const consumers = new InMemoryConsumerStates();
  const sources: ReplicationSources = { admin, progress, heads: admin, consumers, groupOf, stallMs: 1000, now: () => now };
  return { admin, progress, consumers, sources, advance: (ms: number) => (now += ms), now: () => now };
}

describe('replication inspection', () => {
  it('given caught-up followers, reports zero lag, the sync role and health', async () => {
    const { sources } = given();
    const snap = await inspectReplication(sources, state);
    expect(snap.followers.map((f) => [f.id, f.role, f.lag.events, f.applyLagMs.current, f.healthy])).toEqual([
      ['f1', 'sync', 0, 0, true],
      ['f2', 'async', 0, 0, true],
    ]);
  });

  it('given recorded batches, reports last and p99 apply lag from the progress items', async () => {
    const { sources, progress, now } = given();
    let p = withBatchProgress(undefined, 'f2', { partition: 1, committedThrough: '10', finishedAt: now() - 100, lagMs: 30 });
    p = withBatchProgress(p, 'f2', { partition: 1, committedThrough: '10', finishedAt: now() - 50, lagMs: 80 });
    progress.items.set('f2|1', p);
    const f2 = (await inspectReplication(sources, state)).followers[1];
    expect(f2?.applyLagMs).toMatchObject({ current: 0, last: 80, p99: 80, max: 80, samples: 2 });
    expect(f2?.lastAppliedAt).toBe(now() - 50);
  });

  it('given a follower that stops while writes continue, current lag counts from the commit of its first unapplied event, and it is reported stalled', async () => {
    const { sources, admin, progress, advance, now } = given();
    progress.items.set('f2|0', withBatchProgress(undefined, 'f2', { partition: 0, committedThrough: '10', finishedAt: now(), lagMs: 4 }));
    // Offset 10 is the first event f2 has not applied; the leader committed it 250 ms ago.
    admin.recordAt(0, 10n, now() - 250);
    admin.high.set(0, 15n);
    admin.catchUp(groupOf('f1'));
    const first = (await inspectReplication(sources, state)).followers[1];
    expect(first).toMatchObject({ lag: { events: 5 }, healthy: true });
    expect(first?.applyLagMs.current).toBe(250);

    advance(700);
    admin.high.set(0, 20n);
    admin.catchUp(groupOf('f1'));
    const second = (await inspectReplication(sources, state)).followers[1];
    expect(second?.lag.events).toBe(10);
    expect(second?.applyLagMs.current).toBe(950);

    advance(700);
    admin.firstRecent.set(0, 12n);
    const third = await inspectReplication(sources, state);
    expect(third.followers[1]).toMatchObject({ healthy: false, lag: { events: 10 } });
    expect(third.followers[1]?.healthReason).toMatch(/^stalled: 10 events pending on partition 0/);
    expect(third.followers[1]?.applyLagMs.current).toBe(1650);
    expect(candidateViews(third).get('f2')).toEqual({ id: 'f2', healthy: false, lag: 10 });
    expect(third.followers[0]).toMatchObject({ healthy: true, lag: { events: 0 } });
  });

  it('given a first inspection long after the follower stopped, the current lag is already the full wait: no process counts from when it first looked', async () => {
    const { sources, admin, now } = given();
    admin.recordAt(2, 10n, now() - 26_000);
    admin.high.set(2, 11n);
    admin.catchUp(groupOf('f1'));
    const [a, b] = await Promise.all([inspectReplication(sources, state), inspectReplication({ ...sources }, state)]);
    expect(a.followers[1]?.applyLagMs.current).toBe(26_000);
    expect(b.followers[1]?.applyLagMs.current).toBe(26_000);
  });

  it('given the head records cannot be read, current lag falls back to the lower bounds and status still answers', async () => {
    const { sources, admin, progress, now } = given();
    progress.items.set('f2|0', withBatchProgress(undefined, 'f2', { partition: 0, committedThrough: '10', finishedAt: now(), lagMs: 40 }));
    admin.high.set(0, 12n);
    admin.firstRecent.set(0, 11n);
    admin.catchUp(groupOf('f1'));
    const failing = { ...sources, heads: { commitTimesAt: async () => Promise.reject(new Error('broker gone')) } };
    const f2 = (await inspectReplication(failing, state)).followers[1];
    expect(f2?.applyLagMs.current).toBe(1000);
  });

  it('given nothing waits, reads no head record', async () => {
    const { sources, admin } = given();
    await inspectReplication(sources, state);
    expect(admin.headReads).toBe(0);
  });

  it('given a consumer that reports restarting, status says so with the failure, and the health reason names it', async () => {
    const { sources, admin, consumers, now } = given();
    admin.members.set(groupOf('f2'), 0);
    await consumers.save({
      followerId: 'f2',
      owner: 'host:1',
      state: 'restarting',
      since: now() - 2000,
      reportedAt: now() - 1000,
      restarts: 2,
      lastError: { name: 'KafkaJSNonRetriableError', message: 'The coordinator is not aware of this member', at: now() - 1000 },
      nextAttemptAt: now() + 3000,
    });
    const f2 = (await inspectReplication(sources, state)).followers[1];
    expect(f2?.consumer).toMatchObject({ state: 'restarting', restarts: 2, lastError: { message: 'The coordinator is not aware of this member' } });
    expect(f2?.healthy).toBe(false);
    expect(f2?.healthReason).toBe(
      'consumer restarting after KafkaJSNonRetriableError: The coordinator is not aware of this member (restart 2, next attempt in 3 s)',
    );
    expect((await inspectReplication(sources, state)).followers[0]?.consumer).toBeNull();
  });
});
