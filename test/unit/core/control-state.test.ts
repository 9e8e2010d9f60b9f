import {
  HISTORY_LIMIT,
  initialControlState,
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
