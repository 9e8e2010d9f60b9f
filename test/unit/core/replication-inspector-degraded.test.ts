import { initialControlState } from '../../../src/core/control-state';
import { PartitionsUnavailableError, UnavailableError } from '../../../src/core/errors';
import { candidateViews, inspectReplication, type ReplicationSources, readReplication } from '../../../src/core/replication-inspector';
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

/** Two caught-up, attached followers over a 3-partition log at offset 10: healthy when every read answers. */
function given() {
  const admin = new FakeReplicationAdmin();
  const progress = new InMemoryProgressStore();
  for (const p of [0, 1, 2]) admin.high.set(p, 10n);
  for (const id of ['f1', 'f2']) {
    admin.members.set(groupOf(id), 1);
    admin.catchUp(groupOf(id));
  }
  const sources: ReplicationSources = { admin, progress, heads: admin, consumers: new InMemoryConsumerStates(), groupOf, stallMs: 1000, now: () => 1_700_000_000_000 };
  return { admin, progress, sources };
}

/** What kafkajs does with partition 2 leaderless (two of three brokers down): every topic-wide offset listing fails. */
const partitionTwoOffline = () => new PartitionsUnavailableError('partition 2 of replog.changes has no leader: Kafka fetchTopicOffsets failed: LEADER_NOT_AVAILABLE', [2]);

describe('replication inspection with the log partly unavailable', () => {
  it('given every read answering, the snapshot is complete and both followers healthy', async () => {
    const { sources } = given();
    const snap = await readReplication(sources, state);
    expect(snap.unread).toEqual([]);
    expect(snap.followers.map((f) => [f.id, f.healthy, f.lag.events, f.unread])).toEqual([
      ['f1', true, 0, []],
      ['f2', true, 0, []],
    ]);
  });

  it('given partition 2 offline, answers with what it read, names the offline partition, and reports no follower healthy or caught up', async () => {
    const { admin, sources } = given();
    admin.failing.endOffsets = partitionTwoOffline();
    admin.failing.offsetsAtTime = partitionTwoOffline();
    const snap = await readReplication(sources, state);
    expect(snap.unread.map((u) => [u.read, u.unavailablePartitions])).toEqual([
      ['endOffsets', [2]],
      ['offsetsAtTime', [2]],
    ]);
    expect(snap.topicEnd).toEqual({});
    for (const f of snap.followers) {
      // The committed offsets come from the group coordinator and were read: shown for every partition.
      expect(f.committed).toEqual({ '0': '10', '1': '10', '2': '10' });
      expect(f.lag).toEqual({ events: null, perPartition: {} });
      expect(f.applyLagMs.current).toBeNull();
      expect(f.healthy).toBe(false);
      expect(f.healthReason).toMatch(/^the log could not be read: end offsets: partition 2 of replog\.changes has no leader/);
      expect(f.unread).toHaveLength(2);
    }
    // Promotion ranks an unknown lag last, whatever it would have been.
    expect(candidateViews(snap).get('f1')).toEqual({ id: 'f1', healthy: false, lag: Number.POSITIVE_INFINITY });
  });

  it('given one group’s committed offsets unreadable, only that follower is unknown; the other is judged as ever', async () => {
    const { admin, sources } = given();
    admin.failingGroups.set('g-f2', new UnavailableError('Kafka fetchOffsets failed: COORDINATOR_NOT_AVAILABLE'));
    const snap = await readReplication(sources, state);
    const [f1, f2] = snap.followers;
    expect(f1).toMatchObject({ healthy: true, lag: { events: 0 }, unread: [] });
    expect(f2).toMatchObject({ healthy: false, committed: {}, lag: { events: null, perPartition: {} }, applyLagMs: { current: null } });
    expect(f2?.healthReason).toBe('the log could not be read: committed offsets of g-f2: Kafka fetchOffsets failed: COORDINATOR_NOT_AVAILABLE');
    expect(snap.unread).toEqual([{ read: 'committedOffsets', groupId: 'g-f2', error: 'Kafka fetchOffsets failed: COORDINATOR_NOT_AVAILABLE', unavailablePartitions: [] }]);
    expect(snap.topicEnd).toEqual({ '0': '10', '1': '10', '2': '10' });
  });

  it('given every committed-offsets read failing, no follower is healthy, and the log’s offsets still show', async () => {
    const { admin, sources } = given();
    for (const id of ['f1', 'f2']) admin.failingGroups.set(groupOf(id), new Error('Connection error: ECONNREFUSED'));
    const snap = await readReplication(sources, state);
    expect(snap.followers.map((f) => [f.healthy, f.lag.events])).toEqual([
      [false, null],
      [false, null],
    ]);
    expect(snap.topicEnd).toEqual({ '0': '10', '1': '10', '2': '10' });
  });

  it('given the group membership unreadable, no follower is healthy: an attached consumer cannot be assumed', async () => {
    const { admin, sources } = given();
    admin.failing.groupMembership = new Error('Kafka describeGroups failed: ECONNREFUSED');
    const snap = await readReplication(sources, state);
    expect(snap.followers.map((f) => f.healthy)).toEqual([false, false]);
    expect(snap.followers[0]?.healthReason).toBe('the log could not be read: group membership: Kafka describeGroups failed: ECONNREFUSED');
    // Its lag was read: it is shown, the verdict is not.
    expect(snap.followers[0]?.lag.events).toBe(0);
  });

  it('given the progress items unreadable, no follower is healthy: a stall cannot be told from a follower catching up', async () => {
    const { progress, sources } = given();
    progress.loadProgress = () => Promise.reject(new Error('DynamoDB throttled'));
    const snap = await readReplication(sources, state);
    expect(snap.followers.map((f) => f.healthReason)).toEqual([
      'its progress could not be read: progress items: DynamoDB throttled',
      'its progress could not be read: progress items: DynamoDB throttled',
    ]);
  });

  it('given a read that never answers, gives up on it after the bounded wait and shows the rest', async () => {
    jest.useFakeTimers();
    try {
      const { admin, sources } = given();
      admin.groupMembership = () => new Promise(() => undefined);
      const pending = readReplication(sources, state, { timeoutMs: 3000 });
      await jest.advanceTimersByTimeAsync(3000);
      const snap = await pending;
      expect(snap.unread).toEqual([{ read: 'groupMembership', error: 'no answer within 3000 ms', unavailablePartitions: [] }]);
      expect(snap.topicEnd).toEqual({ '0': '10', '1': '10', '2': '10' });
      expect(snap.followers.every((f) => !f.healthy)).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('given a follower behind and its head record never answering (its partition leader frozen), the strict read still answers within its bound, lag from the lower bounds', async () => {
    jest.useFakeTimers();
    try {
      const { admin, sources } = given();
      admin.high.set(0, 12n);
      admin.firstRecent.set(0, 11n);
      admin.catchUp('g-f1');
      let asked = 0;
      const frozen: ReplicationSources = {
        ...sources,
        heads: {
          commitTimesAt: () => {
            asked += 1;
            return new Promise(() => undefined);
          },
        },
      };
      let answered = false;
      const pending = inspectReplication(frozen, state, { timeoutMs: 2000 }).finally(() => {
        answered = true;
      });
      await jest.advanceTimersByTimeAsync(1999);
      expect(answered).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      const snap = await pending;
      expect(asked).toBe(1);
      expect(snap.followers[1]).toMatchObject({ id: 'f2', lag: { events: 2 } });
      expect(snap.followers[1]?.applyLagMs.current).toBe(1000);
    } finally {
      jest.useRealTimers();
    }
  });

  it('given the consumer reports never answering (the store unreachable), the bounded read answers and shows no report', async () => {
    jest.useFakeTimers();
    try {
      const { sources } = given();
      const stuck: ReplicationSources = { ...sources, consumers: { ...sources.consumers, load: () => new Promise(() => undefined) } };
      const pending = readReplication(stuck, state, { timeoutMs: 3000 });
      await jest.advanceTimersByTimeAsync(3000);
      const snap = await pending;
      expect(snap.followers.map((f) => f.consumer)).toEqual([null, null]);
    } finally {
      jest.useRealTimers();
    }
  });

  describe('the strict read (promotion, failover, switchover, sync designation)', () => {
    it('given partition 2 offline, refuses with the log’s own error naming the partition', async () => {
      const { admin, sources } = given();
      admin.failing.endOffsets = partitionTwoOffline();
      await expect(inspectReplication(sources, state)).rejects.toMatchObject({ code: 'UNAVAILABLE', partitions: [2] });
    });

    it('given only one group’s committed offsets unreadable, refuses: that follower may be the one holding every write', async () => {
      const { admin, sources } = given();
      const down = new UnavailableError('Kafka fetchOffsets failed: COORDINATOR_NOT_AVAILABLE');
      admin.failingGroups.set('g-f2', down);
      await expect(inspectReplication(sources, state)).rejects.toBe(down);
    });

    it('fails at once on the first failed read, without waiting for a read that hangs', async () => {
      const { admin, sources } = given();
      admin.groupMembership = () => new Promise(() => undefined);
      const down = new UnavailableError('Kafka fetchOffsets failed: COORDINATOR_NOT_AVAILABLE');
      admin.failingGroups.set('g-f1', down);
      await expect(inspectReplication(sources, state)).rejects.toBe(down);
    });

    it('given every read answering, answers the same snapshot as the degrading read', async () => {
      const { sources } = given();
      expect(await inspectReplication(sources, state)).toEqual(await readReplication(sources, state));
    });
  });
});
