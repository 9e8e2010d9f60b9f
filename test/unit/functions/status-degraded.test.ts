import { ReplicationStatus } from '../../../src/api/status-schemas';
import type { Config } from '../../../src/config/config';
import { initialControlState } from '../../../src/core/control-state';
import { PartitionsUnavailableError, UnavailableError } from '../../../src/core/errors';
import { ReplicationCounters } from '../../../src/core/replication-counters';
import type { ReplicationSnapshot } from '../../../src/core/replication-inspector';
import { createReplicationStatusHandler, type StatusDeps } from '../../../src/functions/http/replication-status';
import type { HttpEvent } from '../../../src/functions/http/http-types';
import { FakeReplicationAdmin } from '../../support/fake-replication-admin';
import { InMemoryConsumerStates, InMemoryProgressStore, silentLog } from '../../support/in-memory-stores';

const groupOf = (id: string) => `g-${id}`;
const followers = [
  { id: 'f1', delayMs: 0 },
  { id: 'f2', delayMs: 0 },
];
const config = {
  auth: { apiKey: undefined, readsRequireKey: false },
  tables: { replica: (id: string) => `replog-${id}` },
  topic: 'replog.changes',
  ack: { defaultMode: { kind: 'semi-sync' }, syncTimeoutMs: 2000, onSyncTimeout: 'promote', onNoCandidate: 'degrade' },
  stallMs: 10_000,
} as unknown as Config;

/** The status route over a 3-partition log whose followers are caught up at 10, and what it offered the read path. */
function given() {
  const admin = new FakeReplicationAdmin();
  for (const p of [0, 1, 2]) admin.high.set(p, 10n);
  for (const f of followers) {
    admin.members.set(groupOf(f.id), 1);
    admin.catchUp(groupOf(f.id));
  }
  const offered: ReplicationSnapshot[] = [];
  const deps: StatusDeps = {
    config,
    startedAt: 0,
    roster: { refresh: async () => initialControlState(followers, 'f1', 0) },
    replicationSources: { admin, progress: new InMemoryProgressStore(), heads: admin, consumers: new InMemoryConsumerStates(), groupOf, stallMs: 10_000, now: Date.now },
    views: { offer: (s) => offered.push(s) },
    counters: new ReplicationCounters(),
    watchReports: { load: async () => undefined },
    instrumentation: { emit: () => undefined },
    log: () => silentLog,
  };
  const get = async () => {
    const answer = await createReplicationStatusHandler(() => deps)({ rawPath: '/replication/status', rawQueryString: '', headers: {}, requestContext: { requestId: 'r' } } as unknown as HttpEvent);
    return { status: answer.statusCode, body: ReplicationStatus.parse(JSON.parse(String(answer.body))) };
  };
  return { admin, get, offered };
}

describe('GET /replication/status with the log partly unavailable', () => {
  it('given every read answering, is complete: partial false, nothing unread', async () => {
    const { get } = given();
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body).toMatchObject({ partial: false, unread: [], topic: { offsetsUnavailable: null } });
    expect(body.followers.map((f) => f.healthy)).toEqual([true, true]);
  });

  it('given partition 2 offline (two of three brokers down), answers 200 with what it read, names partition 2, and no follower healthy', async () => {
    const { admin, get, offered } = given();
    const offline = new PartitionsUnavailableError('partition 2 of replog.changes has no leader: Kafka fetchTopicOffsets failed: LEADER_NOT_AVAILABLE', [2]);
    admin.failing.endOffsets = offline;
    admin.failing.offsetsAtTime = offline;
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body.partial).toBe(true);
    expect(body.topic).toMatchObject({ endOffsets: {}, offsetsUnavailable: { error: offline.message, unavailablePartitions: [2] } });
    expect(body.unread.map((u) => u.read)).toEqual(['endOffsets', 'offsetsAtTime']);
    for (const f of body.followers) {
      expect(f).toMatchObject({ healthy: false, lag: { events: null }, applyLagMs: { current: null }, committed: { '0': '10', '1': '10', '2': '10' } });
      expect(f.healthReason).toContain('the log could not be read: end offsets: partition 2');
    }
    // The read path gets the same view: nobody in it is healthy, so reads go to the leader.
    expect(offered[0]?.followers.some((f) => f.healthy)).toBe(false);
  });

  it('given the committed offsets unreadable, answers 200 with the log’s offsets and every follower unknown, never healthy', async () => {
    const { admin, get } = given();
    for (const f of followers) admin.failingGroups.set(groupOf(f.id), new UnavailableError('Kafka fetchOffsets failed: Connection error: ECONNREFUSED'));
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body.topic).toMatchObject({ endOffsets: { '0': '10', '1': '10', '2': '10' }, offsetsUnavailable: null });
    expect(body.unread.map((u) => [u.read, u.groupId])).toEqual([
      ['committedOffsets', 'g-f1'],
      ['committedOffsets', 'g-f2'],
    ]);
    expect(body.followers.map((f) => [f.id, f.healthy, f.lag.events, f.committed])).toEqual([
      ['f1', false, null, {}],
      ['f2', false, null, {}],
    ]);
    expect(body.followers[1]?.healthReason).toBe('the log could not be read: committed offsets of g-f2: Kafka fetchOffsets failed: Connection error: ECONNREFUSED');
  });
});
