import { spawnReplog, type ReplogProcess } from '../support/child-process';
import { eventually } from '../support/eventually';
import { apiClient } from '../support/http-client';
import { ReplicationCluster } from '../support/replication-cluster';

interface WriteBody {
  key: string;
  version: number;
  ack: { mode: string; confirmedBy: string[]; waitedMs: number; degraded: boolean; promotedTo?: string };
}
interface StatusBody {
  control: { syncFollower: string | null; revision: number; promotions: number; history: { from: string; to: string; kind: string }[] };
  followers: { id: string; role: string; healthy: boolean }[];
  counters: { promotions: number; syncTimeouts: number };
}

const TIMEOUT_MS = 1500;

describe('sync follower failure and promotion', () => {
  let c: ReplicationCluster;

  beforeEach(async () => {
    c = await ReplicationCluster.start('promotion', { REPLOG_SYNC_TIMEOUT_MS: String(TIMEOUT_MS) });
  });
  afterEach(async () => {
    await c?.stop();
  });

  it('given the sync follower is SIGKILLed mid-stream, writes keep being acked by a promoted follower that holds them', async () => {
    const acked: WriteBody[] = [];
    let stop = false;
    let killedAt = 0;
    let firstAfterKill: number | undefined;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const res = await c.api<WriteBody>('PUT', `/items/stream-${i % 20}`, { i });
        expect(res.status).toBe(200);
        acked.push(res.body);
        if (killedAt > 0 && firstAfterKill === undefined && res.body.ack.confirmedBy[0] !== 'follower-1') firstAfterKill = Date.now();
      }
    })();
    await eventually(() => acked.length >= 30, { what: '30 writes before the kill' });
    killedAt = Date.now();
    await c.kill('follower-1', 'SIGKILL');
    await eventually(() => firstAfterKill !== undefined && acked.length >= 80, { timeoutMs: 30_000, what: 'writes after the kill' });
    stop = true;
    await writer;

    expect(acked.every((w) => !w.ack.degraded)).toBe(true);
    const status = await c.api<StatusBody>('GET', '/replication/status');
    expect(status.body.control.syncFollower).not.toBe('follower-1');
    expect(status.body.control.promotions).toBe(1);
    expect(status.body.control.history[0]).toMatchObject({ from: 'follower-1', kind: 'promotion' });
    const newSync = status.body.control.syncFollower as string;
    expect(status.body.followers.find((f) => f.id === newSync)?.role).toBe('sync');

    // Every acknowledged write is in the follower that confirmed it (at that version or newer).
    for (const w of acked) {
      const confirmer = w.ack.confirmedBy[0] as string;
      if (confirmer === 'follower-1') continue;
      const item = await c.followerItem(confirmer, w.key);
      expect(item?.version).toBeGreaterThanOrEqual(w.version);
    }
    const recoveryMs = (firstAfterKill as number) - killedAt;
    process.stdout.write(`kill → first write acked by ${newSync}: ${recoveryMs} ms (timeout ${TIMEOUT_MS} ms)\n`);
    expect(recoveryMs).toBeLessThan(TIMEOUT_MS * 3);

    // The old sync follower comes back as async and can be designated again once caught up.
    await c.startFollower('follower-1');
    await eventually(async () => {
      const res = await c.api<{ syncFollower: string }>('POST', '/replication/sync-follower', { followerId: 'follower-1' });
      return res.status === 200 ? res : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'follower-1 to be designated again' });
    const after = await c.api<StatusBody>('GET', '/replication/status');
    expect(after.body.control.syncFollower).toBe('follower-1');
    expect(after.body.control.promotions).toBe(1);
  });

  it('refuses to designate a follower that is not attached', async () => {
    await c.kill('follower-3', 'SIGTERM');
    await c.waitForMembers('follower-3', 0);
    const res = await c.api<{ error: { code: string } }>('POST', '/replication/sync-follower', { followerId: 'follower-3' });
    expect(res.status).toBe(409);
    const bad = await c.api<{ error: { code: string } }>('POST', '/replication/sync-follower', { follower: 'x' });
    expect(bad.status).toBe(400);
  });

  it.each([
    ['promote', 'degrade', 200],
    ['degrade', 'degrade', 200],
    ['fail', 'degrade', 504],
    ['promote', 'fail', 504],
  ])('given every follower stopped and policy %s (no candidate: %s), answers %i within the timeout', async (onTimeout, onNoCandidate, status) => {
    await c.stop();
    c = await ReplicationCluster.start('allstopped', {
      REPLOG_SYNC_TIMEOUT_MS: String(TIMEOUT_MS),
      REPLOG_ON_SYNC_TIMEOUT: onTimeout,
      REPLOG_ON_NO_CANDIDATE: onNoCandidate,
    });
    for (const id of ['follower-1', 'follower-2', 'follower-3']) await c.kill(id, 'SIGTERM');
    for (const id of ['follower-1', 'follower-2', 'follower-3']) await c.waitForMembers(id, 0);
    const started = Date.now();
    const res = await c.api<WriteBody & { error: { code: string; message: string; details: Record<string, unknown> } }>('PUT', '/items/lonely', { n: 1 });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(status);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    if (status === 200) {
      expect(res.body.ack).toMatchObject({ mode: 'semi-sync', confirmedBy: [], degraded: true });
    } else {
      expect(res.body.error.code).toBe('REPLICATION_TIMEOUT');
      expect(res.body.error.message).toMatch(/committed on the leader/);
      expect(res.body.error.details).toMatchObject({ key: 'lonely', version: 1, committedOnLeader: true, position: { partition: expect.any(Number) } });
    }
    // Committed on the leader either way; the client can read it there.
    expect((await c.api('GET', '/items/lonely')).status).toBe(200);
  });

  it('given two leader processes promote at once, exactly one promotion happens', async () => {
    const leaders: ReplogProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const p = spawnReplog(['serve', '--port', '0'], { ...c.t.env, PORT: '0' });
        leaders.push(p);
      }
      await Promise.all(leaders.map((p) => p.ready(/listening on http:\/\/[\d.]+:\d+/)));
      const urls = leaders.map((p) => /listening on (http:\/\/[\d.]+:\d+)/.exec(p.output())?.[1] as string);
      const apis = urls.map((u) => apiClient(u));
      await Promise.all(apis.map((api) => api('PUT', '/items/warm', { n: 0 })));

      await c.kill('follower-1', 'SIGTERM');
      await c.waitForMembers('follower-1', 0);
      const results = await Promise.all(apis.flatMap((api, i) => Array.from({ length: 5 }, (_, j) => api<WriteBody>('PUT', `/items/race-${i}-${j}`, { i, j }))));
      expect(results.every((r) => r.status === 200 && !r.body.ack.degraded)).toBe(true);
      const confirmers = new Set(results.map((r) => r.body.ack.confirmedBy[0]));
      expect(confirmers.size).toBe(1);

      const control = await c.runtime.roster.refresh();
      expect(control.promotions).toBe(1);
      expect(control.syncFollower).toBe([...confirmers][0]);
      expect(control.history.filter((h) => h.kind === 'promotion')).toHaveLength(1);
    } finally {
      await Promise.all(leaders.map((p) => p.kill('SIGKILL')));
    }
  });
});
