import { ConflictError } from '../../../src/core/errors';
import { judgeWriteTerm } from '../../../src/core/leadership';
import { abortMove, beginSwitchover, completeMove, type LeaderControl, recordFence, type TargetView } from '../../../src/core/switchover';

const control = (): LeaderControl => ({
  leadership: { replica: 'main', term: 4, since: 100, state: 'active' },
  terms: [{ term: 4, leader: 'main', startedAt: 100, fence: { '0': '7' } }],
  syncFollower: 'follower-1',
  leaderHistory: [],
});
const healthy: TargetView = { id: 'follower-1', delayMs: 0, healthy: true, lagEvents: 0 };
const request = { to: 'follower-1', by: 'replog failover', reason: 'planned', now: 1000, maxLagEvents: 100 };

describe('planned switchover', () => {
  it('given a healthy target, hands over, records the fence, and the target leads the next term with the old leader as sync follower', () => {
    const moving = beginSwitchover(control(), request, healthy);
    expect(moving.leadership).toMatchObject({ replica: 'main', term: 4, state: 'handing-over', transition: { to: 'follower-1', term: 5 } });
    const fenced = recordFence(moving, 5, { '0': '42', '1': '9' });
    const done = completeMove(fenced, 5, 1230);
    expect(done.leadership).toEqual({ replica: 'follower-1', term: 5, since: 1230, state: 'active' });
    expect(done.terms[0]).toEqual({ term: 5, leader: 'follower-1', startedAt: 1230, fence: { '0': '42', '1': '9' } });
    expect(done.syncFollower).toBe('main');
    expect(done.leaderHistory[0]).toMatchObject({ term: 5, from: 'main', to: 'follower-1', kind: 'switchover', pauseMs: 230 });
  });

  it('refuses a second move while one is under way, so two requests make one new term', () => {
    const moving = beginSwitchover(control(), request, healthy);
    expect(() => beginSwitchover(moving, { ...request, to: 'follower-2' }, { ...healthy, id: 'follower-2' })).toThrow(/already moving/);
  });

  it.each([
    ['the leader itself', { ...request, to: 'main' }, { ...healthy, id: 'main' }, /is the leader already/],
    ['an unknown replica', { ...request, to: 'x' }, { ...healthy, id: 'x', delayMs: undefined }, /is not a replica/],
    ['a delayed replica', request, { ...healthy, delayMs: 30_000 }, /delayed replica/],
    ['an unhealthy replica', request, { ...healthy, healthy: false, healthReason: 'stalled' }, /not healthy: stalled/],
    ['a replica far behind', request, { ...healthy, lagEvents: 500 }, /500 events behind/],
  ])('refuses %s with the reason', (_what, req, target, reason) => {
    expect(() => beginSwitchover(control(), req, target)).toThrow(ConflictError);
    expect(() => beginSwitchover(control(), req, target)).toThrow(reason);
  });

  it('given an abort before the fence, the old leader goes on under its term', () => {
    const { state, refence } = abortMove(beginSwitchover(control(), request, healthy), 5, 2000);
    expect(refence).toBe(false);
    expect(state.leadership).toEqual({ replica: 'main', term: 4, since: 100, state: 'active' });
  });

  it('given an abort after the fence, the old leader leads again under a newer term, and old writes are judged by the aborted fence', () => {
    const fenced = recordFence(beginSwitchover(control(), request, healthy), 5, { '0': '42' });
    const { state, refence } = abortMove(fenced, 5, 2000);
    expect(refence).toBe(true);
    // Dated by the abort, not by the move it replaces: it is not a stuck move for a watchdog to call off.
    expect(state.leadership.transition).toMatchObject({ to: 'main', from: 'main', term: 6, requestedAt: 2000 });
    const done = completeMove(recordFence(state, 6, { '0': '43' }), 6, 2100);
    expect(done.leadership).toMatchObject({ replica: 'main', term: 6, state: 'active' });
    expect(judgeWriteTerm({ term: 4, position: { partition: 0, offset: '41' } }, { leadership: done.leadership, terms: done.terms })).toEqual({ kind: 'confirmed' });
    expect(judgeWriteTerm({ term: 4, position: { partition: 0, offset: '42' } }, { leadership: done.leadership, terms: done.terms })).toMatchObject({ kind: 'not-leader' });
  });
});
