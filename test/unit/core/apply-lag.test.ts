import { currentApplyLagMs } from '../../../src/core/apply-lag';

const head = (partition: number, waiting: boolean, committedAt: number | undefined, olderThanThreshold = false) => ({
  partition,
  waiting,
  committedAt,
  olderThanThreshold,
});

describe('current apply lag', () => {
  const fallback = { lastBatchLagMs: 30, thresholdMs: 10_000 };

  it('given nothing waits, is zero whatever the last batch took', () => {
    expect(currentApplyLagMs([head(0, false, 1), head(1, false, undefined)], fallback, 50_000)).toBe(0);
  });

  it('given events wait, is the age of the oldest first-unapplied event over the waiting partitions', () => {
    expect(currentApplyLagMs([head(0, true, 24_000), head(1, true, 40_000), head(2, false, 1)], fallback, 50_000)).toBe(26_000);
  });

  it('given a head that could not be read, uses the lower bounds: the last batch, and the threshold once older events wait', () => {
    expect(currentApplyLagMs([head(0, true, undefined)], fallback, 50_000)).toBe(30);
    expect(currentApplyLagMs([head(0, true, undefined, true)], fallback, 50_000)).toBe(10_000);
    expect(currentApplyLagMs([head(0, true, undefined, true), head(1, true, 20_000)], fallback, 50_000)).toBe(30_000);
  });

  it("given a leader clock ahead of this process's, never reports a negative wait", () => {
    expect(currentApplyLagMs([head(0, true, 50_500)], fallback, 50_000)).toBe(0);
  });
});
