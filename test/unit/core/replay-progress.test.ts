import { formatDuration, measureProgress, throttleDelayMs } from '../../../src/core/replay-progress';

const offsets = (...values: number[]) => new Map(values.map((v, p) => [p, BigInt(v)]));

describe('replay progress', () => {
  it('given positions part-way, counts covered positions of the total and estimates the time left from the rate', () => {
    const p = measureProgress(offsets(0, 100), offsets(1000, 600), offsets(400, 300), 2000);
    expect(p).toMatchObject({ total: 1500, done: 600, remaining: 900, ratePerSec: 300 });
    expect(p.etaMs).toBeCloseTo(3000);
  });

  it('given nothing done yet, has no estimate; given everything done, the estimate is zero', () => {
    expect(measureProgress(offsets(0), offsets(10), offsets(0), 500).etaMs).toBeUndefined();
    expect(measureProgress(offsets(0), offsets(10), offsets(10), 500)).toMatchObject({ done: 10, remaining: 0, etaMs: 0 });
  });

  it('given a position past the target or a partition with nothing to do, never counts beyond the total', () => {
    expect(measureProgress(offsets(0, 5), offsets(10, 5), offsets(25, 5), 1000)).toMatchObject({ total: 10, done: 10 });
  });
});

describe('replay throttle', () => {
  it('given a rate over the limit, pauses until the average is back at it', () => {
    expect(throttleDelayMs(1000, 500, 1000)).toBe(500);
    expect(throttleDelayMs(1000, 1200, 1000)).toBe(0);
  });

  it('given no limit, never pauses', () => {
    expect(throttleDelayMs(1_000_000, 1, undefined)).toBe(0);
  });
});

describe('durations', () => {
  it('formats milliseconds, seconds, minutes and hours', () => {
    expect([formatDuration(250), formatDuration(4200), formatDuration(125_000), formatDuration(7_500_000)]).toEqual(['250 ms', '4s', '2m05s', '2h05m']);
  });
});
