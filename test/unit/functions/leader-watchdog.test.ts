import { initialControlState } from '../../../src/core/control-state';
import type { WatchReport } from '../../../src/core/leader-watch';
import type { StallMeter } from '../../../src/core/ports';
import type { FailoverOutcome, FailoverRequest } from '../../../src/functions/leader-failover';
import { LeaderWatchdog, type WatchdogDeps } from '../../../src/functions/leader-watchdog';
import type { MoveDeps } from '../../../src/functions/leader-move-steps';
import { InMemoryControlStore, silentLog } from '../../support/in-memory-stores';

function setup(over: { outcome?: FailoverOutcome; auto?: boolean; stalled?: number } = {}) {
  const control = new InMemoryControlStore();
  control.state = initialControlState([{ id: 'f1', delayMs: 0 }], 'f1', 0);
  let now = 0;
  let storeUp = true;
  const saved: WatchReport[] = [];
  const requests: FailoverRequest[] = [];
  const stalls: StallMeter = { stalledSince: () => over.stalled ?? 0 };
  const deps: WatchdogDeps = {
    control,
    probe: async () => (storeUp ? { ok: true, at: now } : { ok: false, at: now, error: 'connect ECONNREFUSED' }),
    failover: async (request) => {
      requests.push(request);
      return over.outcome ?? { kind: 'none', reason: 'semi-sync: only the sync follower f1 holds every acknowledged write, and f1 is not reachable' };
    },
    moveDeps: {} as MoveDeps,
    reports: { save: async (r) => void saved.push(r), load: async () => saved.at(-1) },
    failureMs: 3000,
    autoFailover: over.auto ?? true,
    stuckMoveMs: 60_000,
    watcher: 'host:1',
    stalls,
    log: silentLog,
    now: () => now,
  };
  const dog = new LeaderWatchdog(deps);
  const tickAt = async (t: number) => {
    now = t;
    return dog.tick();
  };
  return { dog, tickAt, saved, requests, down: () => (storeUp = false) };
}

describe('the leader\'s watchdog', () => {
  it('fails over once the store failed every probe for the failure time, naming the leader and term it saw fail', async () => {
    const { tickAt, requests, down } = setup({ outcome: { kind: 'promoted', from: 'main', to: 'f1', term: 2, fence: { '0': '5' }, pauseMs: 400, reason: 'r', revision: 3, catchUp: { behindLogEndAtElection: 0, behindFence: 0, fenceToAppliedMs: 20 } } });
    expect((await tickAt(0)).state).toBe('healthy');
    down();
    expect((await tickAt(250)).state).toBe('suspect');
    expect((await tickAt(3000)).state).toBe('suspect');
    expect(requests).toEqual([]);
    const report = await tickAt(3250);
    expect(requests).toEqual([expect.objectContaining({ failedLeader: 'main', term: 1, by: 'watchdog host:1' })]);
    expect(requests[0]?.reason).toMatch(/failed every probe for 3000 ms .*ECONNREFUSED/);
    expect(report).toMatchObject({ state: 'healthy', leader: 'f1', term: 2 });
  });

  it('given no eligible replica, promotes nobody and says why in its saved report', async () => {
    const { tickAt, saved, down } = setup();
    await tickAt(0);
    down();
    await tickAt(100);
    const report = await tickAt(3200);
    expect(report.state).toBe('blocked');
    expect(report.reason).toMatch(/not promoting: semi-sync: only the sync follower f1/);
    expect(saved.at(-1)).toEqual(report);
  });

  it('given REPLOG_AUTO_FAILOVER off, only reports the failure', async () => {
    const { tickAt, requests, down } = setup({ auto: false });
    down();
    await tickAt(0);
    const report = await tickAt(5000);
    expect(requests).toEqual([]);
    expect(report).toMatchObject({ state: 'off' });
    expect(report.reason).toMatch(/REPLOG_AUTO_FAILOVER is false/);
  });

  it('does not count a probe that failed while its own process stood still', async () => {
    const { tickAt, requests, down } = setup({ stalled: 1500 });
    down();
    await tickAt(0);
    await tickAt(5000);
    await tickAt(9000);
    expect(requests).toEqual([]);
  });
});
