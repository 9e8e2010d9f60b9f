import type { FollowerEntry } from '../../../src/core/control-state';
import { pickPromotionCandidate, type CandidateView } from '../../../src/core/promotion';

const followers: FollowerEntry[] = [
  { id: 'f1', priority: 0, delayMs: 0 },
  { id: 'f2', priority: 1, delayMs: 0 },
  { id: 'f3', priority: 2, delayMs: 0 },
  { id: 'slow', priority: 3, delayMs: 60_000 },
];
const views = (entries: [string, boolean, number][]) =>
  new Map<string, CandidateView>(entries.map(([id, healthy, lag]) => [id, { id, healthy, lag }]));

describe('promotion candidate', () => {
  it('given the sync follower failed, picks the most caught-up healthy follower', () => {
    const v = views([['f1', false, 100], ['f2', true, 7], ['f3', true, 2], ['slow', true, 0]]);
    expect(pickPromotionCandidate(followers, v, new Set(['f1']))).toBe('f3');
  });

  it('breaks ties by priority', () => {
    const v = views([['f1', false, 0], ['f2', true, 0], ['f3', true, 0]]);
    expect(pickPromotionCandidate(followers, v, new Set(['f1']))).toBe('f2');
  });

  it('never picks an unhealthy, excluded or delayed follower', () => {
    const v = views([['f1', true, 0], ['f2', false, 0], ['f3', false, 0], ['slow', true, 0]]);
    expect(pickPromotionCandidate(followers, v, new Set(['f1']))).toBeUndefined();
  });

  it('returns nothing when no follower is known', () => {
    expect(pickPromotionCandidate(followers, new Map(), new Set())).toBeUndefined();
  });
});
