import { withBatchProgress } from '../../../src/core/apply-progress';
import { assessHealth, type PartitionFacts } from '../../../src/core/replica-health';

const NOW = 1_700_000_100_000;
const live = { state: 'Stable', members: 1 };
const progressAt = (at: number, committedThrough = '10') =>
  withBatchProgress(undefined, 'f1', { partition: 0, committedThrough, finishedAt: at, lagMs: 5 });
const facts = (over: Partial<PartitionFacts>): PartitionFacts => ({
  partition: 0,
  next: 10n,
  end: 10n,
  firstRecent: 10n,
  progress: progressAt(NOW - 60_000),
  ...over,
});

describe('follower health', () => {
  it('given no live consumer, is unhealthy whatever the offsets say', () => {
    expect(assessHealth({ state: 'Empty', members: 0 }, [facts({})], 1000, NOW)).toEqual({
      healthy: false,
      reason: 'no live consumer in its group (Empty)',
    });
  });

  it('given an idle follower with nothing waiting, is healthy however long ago it last moved', () => {
    expect(assessHealth(live, [facts({})], 1000, NOW)).toEqual({ healthy: true, reason: null });
  });

  it('given events that arrived less than the threshold ago, is healthy (they may be in flight)', () => {
    expect(assessHealth(live, [facts({ end: 15n, firstRecent: 10n })], 1000, NOW).healthy).toBe(true);
  });

  it('given events waiting longer than the threshold and no progress for as long, is stalled', () => {
    const verdict = assessHealth(live, [facts({ end: 15n, firstRecent: 12n })], 1000, NOW);
    expect(verdict.healthy).toBe(false);
    expect(verdict.reason).toBe('stalled: 5 events pending on partition 0 for over 1000 ms, no progress for 60000 ms');
  });

  it('given old events waiting but a batch finished within the threshold, is healthy (catching up, not stalled)', () => {
    expect(assessHealth(live, [facts({ end: 500n, firstRecent: 400n, progress: progressAt(NOW - 200) })], 1000, NOW).healthy).toBe(true);
  });

  it('given a progress record behind the group offset (a lost progress write), still counts its time as progress', () => {
    const behind = progressAt(NOW - 10, '5');
    expect(assessHealth(live, [facts({ end: 15n, firstRecent: 12n, progress: behind })], 1000, NOW).healthy).toBe(true);
    const behindAndOld = progressAt(NOW - 5000, '5');
    expect(assessHealth(live, [facts({ end: 15n, firstRecent: 12n, progress: behindAndOld })], 1000, NOW).healthy).toBe(false);
  });

  it('given a follower that never recorded progress and old events waiting, is stalled', () => {
    const verdict = assessHealth(live, [facts({ next: 0n, end: 3n, firstRecent: 3n, progress: undefined })], 1000, NOW);
    expect(verdict).toEqual({ healthy: false, reason: 'stalled: 3 events pending on partition 0 for over 1000 ms, no progress recorded' });
  });
});
