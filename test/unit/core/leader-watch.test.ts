import { judgeLeader, observeProbe, watchReport } from '../../../src/core/leader-watch';

const leader = { replica: 'main', term: 3 };
const fail = (at: number) => ({ ok: false, at, error: 'ECONNREFUSED' });
const ok = (at: number) => ({ ok: true, at });

describe('watching the leader\'s store', () => {
  it('given probes failing for the failure time, declares the leader failed', () => {
    let watch = observeProbe(undefined, leader, fail(1000));
    for (const at of [1250, 1500, 3000, 4000]) watch = observeProbe(watch, leader, fail(at));
    expect(judgeLeader(watch, 'active', 4000, 3000)).toEqual({ kind: 'failed', failingForMs: 3000 });
    expect(watch).toMatchObject({ failingSince: 1000, failedProbes: 5, lastError: 'ECONNREFUSED' });
  });

  it('given failing probes for less than the failure time, only suspects it, with the time left', () => {
    const watch = observeProbe(observeProbe(undefined, leader, fail(1000)), leader, fail(2000));
    expect(judgeLeader(watch, 'active', 2000, 3000)).toEqual({ kind: 'suspect', failingForMs: 1000, remainingMs: 2000 });
  });

  it('given one success in between, starts the count afresh', () => {
    let watch = observeProbe(undefined, leader, fail(1000));
    watch = observeProbe(watch, leader, ok(3500));
    watch = observeProbe(watch, leader, fail(3900));
    expect(judgeLeader(watch, 'active', 4100, 3000)).toMatchObject({ kind: 'suspect', failingForMs: 200 });
  });

  it('given a single lost probe however long ago, does not declare a failure (one request is not a store)', () => {
    const watch = observeProbe(undefined, leader, fail(1000));
    expect(judgeLeader(watch, 'active', 60_000, 3000).kind).toBe('suspect');
  });

  it('given a new leader or a new term, forgets the old one\'s failures', () => {
    const watch = observeProbe(observeProbe(undefined, leader, fail(1000)), leader, fail(5000));
    const moved = observeProbe(watch, { replica: 'follower-1', term: 4 }, fail(5100));
    expect(moved).toMatchObject({ leader: 'follower-1', term: 4, failingSince: 5100, failedProbes: 1 });
  });

  it('given leadership moving already, leaves it to whoever moves it', () => {
    const watch = observeProbe(observeProbe(undefined, leader, fail(1000)), leader, fail(9000));
    expect(judgeLeader(watch, 'electing', 9000, 3000)).toEqual({ kind: 'moving' });
    expect(judgeLeader(watch, 'handing-over', 9000, 3000)).toEqual({ kind: 'moving' });
  });

  it('reports failing-over with the probe error as its reason, and healthy with none', () => {
    const failing = observeProbe(observeProbe(undefined, leader, fail(1000)), leader, fail(4000));
    expect(watchReport('host:1', failing, { kind: 'failed', failingForMs: 3000 }, 4000)).toEqual({
      watcher: 'host:1',
      leader: 'main',
      term: 3,
      state: 'failing-over',
      reason: 'ECONNREFUSED',
      failingSince: 1000,
      checkedAt: 4000,
    });
    expect(watchReport('host:1', observeProbe(failing, leader, ok(4100)), { kind: 'healthy' }, 4100)).toMatchObject({ state: 'healthy', reason: null, failingSince: null });
  });
});
