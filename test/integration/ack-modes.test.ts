import { eventually } from '../support/eventually';
import { ReplicationCluster } from '../support/replication-cluster';

interface WriteBody {
  version: number;
  ack: { mode: string; confirmedBy: string[]; waitedMs: number; degraded: boolean };
}

/** Acknowledgement modes against real follower processes on the real broker. */
describe('acknowledgement modes', () => {
  let c: ReplicationCluster;

  beforeAll(async () => {
    c = await ReplicationCluster.start('ackmodes', { REPLOG_SYNC_TIMEOUT_MS: '1500', REPLOG_ON_SYNC_TIMEOUT: 'degrade' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('given semi-sync, the sync follower holds the acked version the moment the write returns, every time', async () => {
    for (let i = 1; i <= 60; i++) {
      const key = `rw-${i % 7}`;
      const res = await c.api<WriteBody>('PUT', `/items/${key}`, { i });
      expect(res.status).toBe(200);
      expect(res.body.ack).toMatchObject({ mode: 'semi-sync', confirmedBy: ['follower-1'], degraded: false });
      const item = await c.followerItem('follower-1', key);
      expect(item?.version).toBeGreaterThanOrEqual(res.body.version);
      expect(JSON.parse(item?.doc as string)).toEqual(item?.version === res.body.version ? { i } : expect.anything());
    }
  });

  it('given a paused follower, async returns before it applies and sync waits until it does', async () => {
    c.pause('follower-2');
    try {
      const asyncWrite = await c.api<WriteBody>('PUT', '/items/modes?ack=async', { n: 1 });
      expect(asyncWrite.body.ack).toMatchObject({ mode: 'async', confirmedBy: [], waitedMs: 0 });
      // The paused follower cannot have applied it; the others get it shortly.
      expect(await c.followerItem('follower-2', 'modes')).toBeUndefined();
      await eventually(async () => (await c.followerItem('follower-1', 'modes'))?.version === 1);

      const resumeAfterMs = 600;
      const started = Date.now();
      setTimeout(() => c.resume('follower-2'), resumeAfterMs);
      const syncWrite = await c.api<WriteBody>('PUT', '/items/modes?ack=sync', { n: 2 });
      expect(syncWrite.body.ack.confirmedBy.sort()).toEqual(['follower-1', 'follower-2', 'follower-3']);
      expect(syncWrite.body.ack.degraded).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(resumeAfterMs - 50);
      for (const id of ['follower-1', 'follower-2', 'follower-3']) {
        expect((await c.followerItem(id, 'modes'))?.version).toBe(2);
      }
    } finally {
      c.resume('follower-2');
    }
  });

  it('given quorum:2, one stopped follower of three still acknowledges; two stopped time out', async () => {
    c.pause('follower-3');
    try {
      const one = await c.api<WriteBody>('PUT', '/items/q?ack=quorum:2', { n: 1 });
      expect(one.body.ack).toMatchObject({ mode: 'quorum:2', degraded: false });
      expect(one.body.ack.confirmedBy.sort()).toEqual(['follower-1', 'follower-2']);

      c.pause('follower-2');
      const started = Date.now();
      const two = await c.api<WriteBody>('PUT', '/items/q?ack=quorum:2', { n: 2 });
      const elapsed = Date.now() - started;
      expect(two.body.ack).toMatchObject({ mode: 'quorum:2', confirmedBy: ['follower-1'], degraded: true });
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(4000);
    } finally {
      c.resume('follower-2');
      c.resume('follower-3');
    }
  });

  it('counts acks per mode and waits in the status document', async () => {
    const status = await c.api<{ counters: { acks: Record<string, number>; degradedAcks: number; wait: { count: number; p99Ms: number } } }>(
      'GET',
      '/replication/status',
    );
    expect(status.body.counters.acks['semi-sync']).toBeGreaterThanOrEqual(60);
    expect(status.body.counters.acks.async).toBe(1);
    expect(status.body.counters.acks.sync).toBe(1);
    expect(status.body.counters.acks['quorum:2']).toBe(2);
    expect(status.body.counters.degradedAcks).toBe(1);
    expect(status.body.counters.wait.count).toBeGreaterThanOrEqual(63);
  });
});
