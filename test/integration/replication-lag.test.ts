import { inspectReplication } from '../../src/core/replication-inspector';
import { Runtime } from '../../src/functions/runtime';
import { type ReplogProcess, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

interface FollowerStatus {
  id: string;
  healthy: boolean;
  healthReason: string | null;
  lag: { events: number };
  applyLagMs: { current: number; last: number | null; p99: number | null; max: number | null; samples: number };
  lastAppliedAt: string | null;
}

/**
 * Lag in events and in time moves with reality: follower-2 runs as its own process and is stopped
 * with SIGSTOP while the leader keeps writing, then resumed with SIGCONT.
 */
describe('replication lag', () => {
  let t: TestStack;
  let f2: ReplogProcess;

  beforeAll(async () => {
    t = await startTestStack('lag', {
      env: { REPLOG_ACK_MODE: 'async', REPLOG_STALL_MS: '1500' },
      followers: ['follower-1', 'follower-3'],
    });
    f2 = spawnReplog(['follower', '--id', 'follower-2'], t.env);
    await f2.ready(/replog follower follower-2 consuming/);
  });
  afterAll(async () => {
    f2?.child.kill('SIGCONT');
    await f2?.kill();
    await t?.stop();
  });

  const f = async (id: string) =>
    ((await t.api<{ followers: FollowerStatus[] }>('GET', '/replication/status')).body.followers.find((x) => x.id === id) as FollowerStatus);
  const writeMany = async (prefix: string, n: number) => {
    for (let i = 0; i < n; i++) expect((await t.api('PUT', `/items/${prefix}-${i % 7}`, { i })).status).toBe(200);
  };

  it('given a follower at rest, reports zero lag and apply-lag figures from its batches', async () => {
    await writeMany('warm', 20);
    const rest = await eventually(async () => {
      const s = await f('follower-2');
      return s.lag.events === 0 && s.applyLagMs.samples > 0 ? s : undefined;
    }, { what: 'follower-2 caught up with recorded batches', timeoutMs: 45_000 });
    expect(rest.healthy).toBe(true);
    expect(rest.applyLagMs.current).toBe(0);
    expect(rest.applyLagMs.last).toEqual(expect.any(Number));
    expect(rest.applyLagMs.p99).toBeGreaterThanOrEqual(rest.applyLagMs.last ?? 0);
    expect(rest.lastAppliedAt).toEqual(expect.any(String));
  });

  // The first write follower-2 misses is committed between these two times.
  let pausedWriteFrom = 0;
  let pausedWriteTo = 0;

  it('given the follower is paused while writes go on, its lag grows in events and in milliseconds until it is unhealthy', async () => {
    f2.child.kill('SIGSTOP');
    pausedWriteFrom = Date.now();
    await writeMany('paused', 1);
    pausedWriteTo = Date.now();
    await writeMany('paused', 14);
    const first = await eventually(async () => {
      const s = await f('follower-2');
      return s.lag.events >= 15 ? s : undefined;
    }, { what: 'follower-2 lag of 15 events' });
    await writeMany('paused-more', 15);
    const second = await eventually(async () => {
      const s = await f('follower-2');
      return s.lag.events >= first.lag.events + 15 && s.applyLagMs.current > first.applyLagMs.current ? s : undefined;
    }, { what: 'follower-2 lag to keep growing' });
    const stalled = await eventually(async () => {
      const s = await f('follower-2');
      return !s.healthy && s.applyLagMs.current >= 1500 ? s : undefined;
    }, { what: 'follower-2 reported stalled', timeoutMs: 20_000, intervalMs: 200 });
    expect(stalled.healthReason).toMatch(/stalled|no live consumer/);
    expect(stalled.lag.events).toBeGreaterThanOrEqual(second.lag.events);
    // The others never stopped: their lag stays at or near zero.
    expect((await f('follower-1')).healthy).toBe(true);
  });

  it('given a process that reads status for the first time while the follower is still paused, its current lag counts from the commit of the first missed write, as the first process does', async () => {
    // Let the wait grow well past the stall threshold, the most a process that "first noticed" late could claim.
    await eventually(() => Date.now() - pausedWriteTo > 3000, { what: 'three seconds of pause after the first missed write' });
    const fresh = new Runtime(t.stack.runtime.config);
    try {
      const snapshot = await inspectReplication(fresh.replicationSources, await fresh.roster.refresh());
      const late = snapshot.followers.find((x) => x.id === 'follower-2');
      expect(late?.applyLagMs.current).toBeGreaterThanOrEqual(snapshot.fetchedAt - pausedWriteTo);
      expect(late?.applyLagMs.current).toBeLessThanOrEqual(snapshot.fetchedAt - pausedWriteFrom);
      const served = await f('follower-2');
      expect(served.applyLagMs.current).toBeGreaterThanOrEqual(Date.now() - 1000 - pausedWriteTo);
    } finally {
      await fresh.close();
    }
  });

  it('given the follower resumes, its lag returns to zero and new writes show a small apply lag again', async () => {
    f2.child.kill('SIGCONT');
    // The catch-up batch carried the pause in its lag and the window remembers it once the
    // follower has persisted its progress (at most REPLOG_PROGRESS_FLUSH_MS after the batch).
    const caught = await eventually(async () => {
      const s = await f('follower-2');
      return s.lag.events === 0 && s.healthy && (s.applyLagMs.max ?? 0) >= 1500 ? s : undefined;
    }, { what: 'follower-2 caught up after resuming, with the pause in its lag window', timeoutMs: 45_000, intervalMs: 200 });
    expect(caught.applyLagMs.current).toBe(0);

    await writeMany('after', 5);
    const fresh = await eventually(async () => {
      const s = await f('follower-2');
      return s.lag.events === 0 && s.applyLagMs.last !== null && s.applyLagMs.last < 1000 ? s : undefined;
    }, { what: 'a small apply lag on new writes' });
    expect(fresh.applyLagMs.current).toBe(0);
  });
});
