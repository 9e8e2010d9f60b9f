import {
  HISTORY_LIMIT,
  initialControlState,
  REWIND_CLAIM_MS,
  withFailoverBegun,
  withFenceRecorded,
  withLeaderMoved,
  withRejoined,
  withRewindClaimed,
  syncCapable,
  withFollowerAdded,
  withFollowerRemoved,
  withSyncFollower,
} from '../../../src/core/control-state';
import { ConflictError } from '../../../src/core/errors';

const base = initialControlState(
  [
    { id: 'f1', delayMs: 0 },
    { id: 'f2', delayMs: 0 },
    { id: 'lagging', delayMs: 30_000 },
  ],
  'f1',
  1000,
);

describe('control state transitions', () => {
  it('starts at revision 1 with followers in priority order', () => {
    expect(base).toMatchObject({ revision: 1, syncFollower: 'f1', promotions: 0 });
    expect(base.followers.map((f) => [f.id, f.priority])).toEqual([['f1', 0], ['f2', 1], ['lagging', 2]]);
  });

  it('given a promotion, bumps the revision, counts it and records who, when and why', () => {
    const next = withSyncFollower(base, 'f2', 'promotion', 'f1 timed out', 2000);
    expect(next).toMatchObject({ revision: 2, syncFollower: 'f2', promotions: 1 });
    expect(next.history[0]).toEqual({ revision: 2, from: 'f1', to: 'f2', at: 2000, reason: 'f1 timed out', kind: 'promotion' });
  });

  it('does not count an operator designation as a promotion', () => {
    expect(withSyncFollower(base, 'f2', 'designation', 'operator', 2000).promotions).toBe(0);
  });

  it('refuses to make a delayed or unknown follower sync', () => {
    expect(() => withSyncFollower(base, 'lagging', 'designation', 'x', 1)).toThrow(ConflictError);
    expect(() => withSyncFollower(base, 'nobody', 'designation', 'x', 1)).toThrow(ConflictError);
  });

  it('keeps the history bounded', () => {
    let s = base;
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) s = withSyncFollower(s, i % 2 === 0 ? 'f2' : 'f1', 'promotion', `#${i}`, i);
    expect(s.history).toHaveLength(HISTORY_LIMIT);
    expect(s.history[0]?.reason).toBe(`#${HISTORY_LIMIT + 4}`);
  });

  it('excludes delayed followers from the sync-capable set', () => {
    expect(syncCapable(base).map((f) => f.id)).toEqual(['f1', 'f2']);
  });

  it('adds followers at the lowest priority and removes non-sync followers', () => {
    const added = withFollowerAdded(base, 'f9', 0, 5);
    expect(added.followers.at(-1)).toEqual({ id: 'f9', priority: 3, delayMs: 0 });
    expect(() => withFollowerAdded(added, 'f9', 0, 5)).toThrow(ConflictError);
    expect(withFollowerRemoved(added, 'f2', 6).followers.map((f) => f.id)).toEqual(['f1', 'lagging', 'f9']);
    expect(() => withFollowerRemoved(added, 'f1', 6)).toThrow(/sync follower/);
  });
});

describe('control state through an unplanned failover', () => {
  const fence = { '0': '10' };
  const failedOver = () => {
    const begun = withFailoverBegun(base, { failedLeader: 'main', to: 'f1', by: 'watchdog h:1', reason: 'store down', now: 2000 });
    return withLeaderMoved(withFenceRecorded(begun, 2, fence, 2100), 2, 2300);
  };

  it('given the sync follower elected, it leads term 2, the old leader waits for its rewind and the next sync-capable follower becomes sync', () => {
    const state = failedOver();
    expect(state.leadership).toEqual({ replica: 'f1', term: 2, since: 2300, state: 'active' });
    expect(state.followers.map((f) => f.id)).toEqual(['f2', 'lagging']);
    expect(state.rewinding).toEqual([{ replica: 'main', term: 1, since: 2300, priority: 0 }]);
    expect(state.syncFollower).toBe('f2');
    expect(state.leaderHistory[0]).toMatchObject({ kind: 'failover', from: 'main', to: 'f1', by: 'watchdog h:1', pauseMs: 300 });
  });

  it('refuses a failover of a leader that does not lead any more, so a racing watchdog makes no second term', () => {
    expect(() => withFailoverBegun(failedOver(), { failedLeader: 'main', to: 'f2', by: 'w', reason: 'r', now: 3000 })).toThrow(/main does not lead any more/);
    const begun = withFailoverBegun(base, { failedLeader: 'main', to: 'f1', by: 'w1', reason: 'r', now: 2000 });
    expect(() => withFailoverBegun(begun, { failedLeader: 'main', to: 'f2', by: 'w2', reason: 'r', now: 2001 })).toThrow(/already moving/);
  });

  it('lets one process claim a rewind, refuses another while the claim is fresh, and rejoins the replica as a follower with its priority', () => {
    const claimed = withRewindClaimed(failedOver(), 'main', 'p1', 5000);
    expect(() => withRewindClaimed(claimed, 'main', 'p2', 5001)).toThrow(/being rewound by p1/);
    expect(withRewindClaimed(claimed, 'main', 'p2', 5000 + REWIND_CLAIM_MS).rewinding[0]?.claim).toEqual({ by: 'p2', at: 5000 + REWIND_CLAIM_MS });
    const rejoined = withRejoined(claimed, 'main', 6000);
    expect(rejoined.rewinding).toEqual([]);
    expect(rejoined.followers.map((f) => f.id)).toEqual(['main', 'f2', 'lagging']);
    expect(rejoined.syncFollower).toBe('f2');
    expect(() => withRejoined(rejoined, 'main', 6001)).toThrow(/not waiting for a rewind/);
  });

  it('given no sync-capable follower left after the failover, leaves no sync follower, and the rejoined replica takes the place', () => {
    const two = initialControlState([{ id: 'f1', delayMs: 0 }], 'f1', 1000);
    const begun = withFailoverBegun(two, { failedLeader: 'main', to: 'f1', by: 'w', reason: 'r', now: 2000 });
    const moved = withLeaderMoved(withFenceRecorded(begun, 2, fence, 2100), 2, 2200);
    expect(moved.syncFollower).toBeNull();
    expect(withRejoined(moved, 'main', 3000).syncFollower).toBe('main');
  });
});
