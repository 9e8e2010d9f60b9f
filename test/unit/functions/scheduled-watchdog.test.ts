import { initialControlState } from '../../../src/core/control-state';
import { ConfigError, UnavailableError } from '../../../src/core/errors';
import type { ProbeResult, WatchReport } from '../../../src/core/leader-watch';
import { type FailoverDeps, type FailoverRequest, failOver } from '../../../src/functions/leader-failover';
import { LeaderWatchdog } from '../../../src/functions/leader-watchdog';
import { createWatchdogHandler, watchUntilDeadline, type WatchLoopDeps } from '../../../src/functions/scheduled-watchdog';
import { FakeReplicationAdmin } from '../../support/fake-replication-admin';
import { InMemoryConsumerStates, InMemoryControlStore, InMemoryProgressStore, silentLog } from '../../support/in-memory-stores';
import { ManualClock } from '../../support/manual-clock';

/** An invocation whose timeout falls `timeoutMs` after the clock's start, as Lambda's context counts it. */
const invocation = (clock: ManualClock, timeoutMs: number) => {
  const deadline = clock.now() + timeoutMs;
  return () => Math.max(0, deadline - clock.now());
};

function loop(clock: ManualClock, over: Partial<WatchLoopDeps> & { tickMs?: number; timeoutMs?: number } = {}) {
  const remainingAtTicks: number[] = [];
  const remainingMs = invocation(clock, over.timeoutMs ?? 130_000);
  const deps: WatchLoopDeps = {
    watchdog: {
      tick: async () => {
        remainingAtTicks.push(remainingMs());
        await clock.sleep(over.tickMs ?? 0);
        return { watcher: 'w', leader: 'main', term: 1, state: 'healthy', reason: null, failingSince: null, checkedAt: clock.now() };
      },
    },
    probeMs: 250,
    tickBoundMs: 50_000,
    remainingMs,
    now: clock.now,
    sleep: (ms) => clock.sleep(ms),
    log: silentLog,
    ...over,
  };
  return { deps, remainingAtTicks };
}

describe('the scheduled watchdog’s loop', () => {
  it('ticks every probe interval until only the time of one whole tick is left: 320 ticks in 80 s of a 130 s invocation', async () => {
    const clock = new ManualClock(0);
    const { deps, remainingAtTicks } = loop(clock);
    const run = await clock.run(watchUntilDeadline(deps));
    // Ticks at 0, 250, …, 79 750 ms: the one after would start with only 50 000 ms left.
    expect(run).toMatchObject({ ticks: 320, failedTicks: 0, watchedMs: 79_750, remainingAtStopMs: 50_250, tickBoundMs: 50_000, lastError: null });
    expect(Math.min(...remainingAtTicks)).toBe(50_250);
  });

  it('pauses the probe interval after each tick ends, so slow ticks mean fewer of them', async () => {
    const clock = new ManualClock(0);
    const { deps } = loop(clock, { tickMs: 50 });
    const run = await clock.run(watchUntilDeadline(deps));
    // A tick every 300 ms, the last one started at 79 800 ms.
    expect(run).toMatchObject({ ticks: 267, watchedMs: 79_850 });
  });

  it('starts no tick with less than the longest tick left, so even one that fails over at the end ends before the timeout', async () => {
    const clock = new ManualClock(0);
    const remainingMs = invocation(clock, 70_000);
    const started: number[] = [];
    let n = 0;
    const run = await clock.run(
      watchUntilDeadline({
        ...loop(clock).deps,
        remainingMs,
        watchdog: {
          // Every tick but a few is quick; the 79th, started with 50 110 ms left, fails over for the whole bound.
          tick: async () => {
            started.push(remainingMs());
            n++;
            await clock.sleep(n === 79 ? 50_000 : 5);
            return { watcher: 'w', leader: 'main', term: 1, state: 'healthy', reason: null, failingSince: null, checkedAt: clock.now() };
          },
        },
      }),
    );
    expect(started.every((left) => left > 50_000)).toBe(true);
    expect(run.ticks).toBe(79);
    expect(run.remainingAtStopMs).toBeGreaterThan(0);
  });

  it('goes on after a failed tick, with backoff, and reports the last error', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const { deps } = loop(clock, { timeoutMs: 60_000 });
    const run = await clock.run(
      watchUntilDeadline({
        ...deps,
        watchdog: {
          tick: async () => {
            calls++;
            if (calls <= 3) throw new UnavailableError('the control table did not answer');
            return { watcher: 'w', leader: 'main', term: 1, state: 'healthy', reason: null, failingSince: null, checkedAt: clock.now() };
          },
        },
      }),
    );
    expect(run.failedTicks).toBe(3);
    expect(run.lastError).toBe('UnavailableError: the control table did not answer');
    // 10 s to watch: backoff 500, 1000 and 2000 ms after the failures, then ticks 250 ms apart from 3.5 s to 9.75 s.
    expect(run.ticks).toBe(26);
    expect(run.report?.state).toBe('healthy');
  });
});

/** Two watchdogs, each in its own invocation of the scheduled function, over one control store, a log and follower-1's progress. */
function cluster(clock: ManualClock, autoFailover: boolean) {
  const control = new InMemoryControlStore();
  control.state = initialControlState([{ id: 'follower-1', delayMs: 0 }, { id: 'follower-2', delayMs: 0 }], 'follower-1', clock.now());
  const admin = new FakeReplicationAdmin();
  for (const g of ['replog-follower-1', 'replog-follower-2']) {
    admin.members.set(g, 1);
    admin.catchUp(g);
  }
  let mainUp = true;
  const probe = async (replica: string): Promise<ProbeResult> =>
    replica === 'main' && !mainUp ? { ok: false, at: clock.now(), error: 'main: TimeoutError: aborted' } : { ok: true, at: clock.now() };
  const fenceWrites: number[] = [];
  const requests: FailoverRequest[] = [];
  const failoverDeps: FailoverDeps = {
    control,
    admin,
    groupOf: (id) => `replog-${id}`,
    fences: {
      // The fence lands at each partition's end; the followers, caught up, apply it at once.
      write: async (fence, partitions) => {
        fenceWrites.push(fence.term);
        const at: Record<string, string> = {};
        for (const p of partitions) {
          const end = admin.high.get(p) ?? 0n;
          at[String(p)] = String(end);
          admin.high.set(p, end + 1n);
        }
        for (const g of ['replog-follower-1', 'replog-follower-2']) admin.catchUp(g);
        return at;
      },
    },
    catchUpTimeoutMs: 30_000,
    log: silentLog,
    now: clock.now,
    sleep: (ms) => clock.sleep(ms),
    replicationSources: { admin, progress: new InMemoryProgressStore(), heads: admin, consumers: new InMemoryConsumerStates(), groupOf: (id) => `replog-${id}`, stallMs: 10_000, now: clock.now },
    probe,
    mode: { kind: 'semi-sync' },
    controlTtlMs: 250,
  };
  const saved: WatchReport[] = [];
  const handlerOf = (watchdogs: LeaderWatchdog[]) =>
    createWatchdogHandler(
      () => ({
      config: { failover: { failureMs: 3000, probeMs: 250, probeTimeoutMs: 1000, auto: autoFailover, autoRejoin: false } },
      watchdogTickBoundMs: 50_000,
      log: () => silentLog,
      watchdog: (watcher) => {
        const dog = new LeaderWatchdog({
          control,
          probe,
          failover: (request) => {
            requests.push(request);
            return failOver(failoverDeps, request);
          },
          moveDeps: failoverDeps,
          reports: { save: async (r) => void saved.push(r), load: async () => saved.at(-1) },
          failureMs: 3000,
          autoFailover,
          stuckMoveMs: 60_000,
          watcher,
          stalls: { stalledSince: () => 0 },
          log: silentLog,
          now: clock.now,
        });
        watchdogs.push(dog);
        return dog;
      },
    }),
      { now: clock.now, sleep: (ms) => clock.sleep(ms) },
    );
  return { control, requests, fenceWrites, saved, handlerOf, killMain: () => (mainUp = false) };
}

describe('the scheduled watchdog function', () => {
  /** An invocation `startInMs` from now on the manual clock, with `timeoutMs` from its start. */
  function invoke(clock: ManualClock, handler: ReturnType<ReturnType<typeof cluster>['handlerOf']>, id: string, startInMs: number, timeoutMs: number) {
    const remainingMs = invocation(clock, startInMs + timeoutMs);
    return clock.sleep(startInMs).then(() => handler({}, { awsRequestId: id, getRemainingTimeInMillis: remainingMs }));
  }

  it('given two overlapping invocations and the leader’s store lost, makes exactly one new term, and both go on watching the new leader', async () => {
    const clock = new ManualClock(1_000_000);
    const c = cluster(clock, true);
    const dogs: LeaderWatchdog[] = [];
    const handler = c.handlerOf(dogs);
    clock.at(10_000, c.killMain);
    const both = Promise.all([invoke(clock, handler, 'a', 0, 130_000), invoke(clock, handler, 'b', 1_125, 130_000)]);
    const [a, b] = await clock.run(both);
    expect(c.control.state?.leadership).toMatchObject({ replica: 'follower-1', term: 2, state: 'active' });
    expect(c.fenceWrites).toEqual([2]);
    // One of them failed over; the other found the leadership moving, and both end watching the new leader.
    expect(c.requests).toHaveLength(1);
    const winner = c.requests[0]?.by.replace('watchdog ', '');
    const other = winner === 'lambda:a' ? 'lambda:b' : 'lambda:a';
    expect(c.saved.filter((r) => r.watcher === other).map((r) => r.state)).toContain('moving');
    for (const run of [a, b]) expect(run).toMatchObject({ failedTicks: 0, autoFailover: true, report: { leader: 'follower-1', term: 2, state: 'healthy' } });
  });

  it('given REPLOG_AUTO_FAILOVER off, reports the lost leader’s store and promotes nobody', async () => {
    const clock = new ManualClock(1_000_000);
    const c = cluster(clock, false);
    const handler = c.handlerOf([]);
    clock.at(5_000, c.killMain);
    const run = await clock.run(invoke(clock, handler, 'c', 0, 130_000));
    expect(c.requests).toEqual([]);
    expect(c.control.state?.leadership).toMatchObject({ replica: 'main', term: 1, state: 'active' });
    expect(run).toMatchObject({ watcher: 'lambda:c', autoFailover: false, unwatchedMs: 0, report: { state: 'off', leader: 'main' } });
    expect(run.report?.reason).toMatch(/REPLOG_AUTO_FAILOVER is false/);
  });

  it('refuses to start with less time than one tick may take, saying which timeout would do', async () => {
    const clock = new ManualClock(0);
    const handler = cluster(clock, true).handlerOf([]);
    const run = handler({}, { awsRequestId: 'd', getRemainingTimeInMillis: () => 29_000 });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow(/raise its timeout .* to at least 125 s \(that bound, the schedule's minute and 15 s of overlap/);
  });

  it('fails the invocation when no tick could look at the leader, so the Errors metric shows a blind watchdog', async () => {
    const clock = new ManualClock(0);
    const handler = createWatchdogHandler(() => ({
      config: { failover: { failureMs: 3000, probeMs: 250, probeTimeoutMs: 1000, auto: true, autoRejoin: false } },
      watchdogTickBoundMs: 50_000,
      log: () => silentLog,
      watchdog: () => ({
        tick: async () => {
          throw new UnavailableError('the control table did not answer');
        },
      }),
    }), { now: clock.now, sleep: (ms) => clock.sleep(ms) });
    const run = clock.run(handler({}, { awsRequestId: 'e', getRemainingTimeInMillis: invocation(clock, 60_000) }));
    await expect(run).rejects.toBeInstanceOf(UnavailableError);
    await expect(run).rejects.toThrow(/the watchdog lambda:e failed all \d+ ticks: UnavailableError: the control table did not answer/);
  });
});
