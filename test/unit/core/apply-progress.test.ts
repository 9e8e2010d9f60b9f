import { PROGRESS_WINDOW_MS, PROGRESS_WINDOW_SAMPLES, summarizeApplyLag, withBatchProgress } from '../../../src/core/apply-progress';

const T0 = 1_700_000_000_000;

describe('apply progress per partition', () => {
  it('given a first batch, when recorded, starts at seq 1 with its lag as the only sample', () => {
    const p = withBatchProgress(undefined, 'f1', { partition: 2, committedThrough: '11', finishedAt: T0, lagMs: 40 });
    expect(p).toEqual({
      followerId: 'f1',
      partition: 2,
      seq: 1,
      committedThrough: '11',
      lastProgressAt: T0,
      lastAppliedAt: T0,
      lastLagMs: 40,
      samples: [{ at: T0, lagMs: 40 }],
      fenced: 0,
    });
  });

  it('counts the refused records of deposed leaders across batches', () => {
    const first = withBatchProgress(undefined, 'f1', { partition: 0, committedThrough: '5', finishedAt: T0, fenced: 3 });
    const second = withBatchProgress(first, 'f1', { partition: 0, committedThrough: '9', finishedAt: T0 + 1 });
    const third = withBatchProgress(second, 'f1', { partition: 0, committedThrough: '12', finishedAt: T0 + 2, fenced: 2 });
    expect([first.fenced, second.fenced, third.fenced]).toEqual([3, 3, 5]);
  });

  it('given a batch that applied nothing, when recorded, moves progress but keeps the last lag figures', () => {
    const first = withBatchProgress(undefined, 'f1', { partition: 0, committedThrough: '5', finishedAt: T0, lagMs: 12 });
    const next = withBatchProgress(first, 'f1', { partition: 0, committedThrough: '7', finishedAt: T0 + 500 });
    expect(next).toMatchObject({ seq: 2, committedThrough: '7', lastProgressAt: T0 + 500, lastAppliedAt: T0, lastLagMs: 12 });
    expect(next.samples).toHaveLength(1);
  });

  it('given a redelivered older batch, when recorded, never moves committedThrough backwards', () => {
    const first = withBatchProgress(undefined, 'f1', { partition: 0, committedThrough: '50', finishedAt: T0, lagMs: 1 });
    expect(withBatchProgress(first, 'f1', { partition: 0, committedThrough: '20', finishedAt: T0 + 1 }).committedThrough).toBe('50');
  });

  it('given many batches, when recorded, keeps a bounded window by count and by age', () => {
    let p = withBatchProgress(undefined, 'f1', { partition: 0, committedThrough: '1', finishedAt: T0, lagMs: 999 });
    for (let i = 1; i <= PROGRESS_WINDOW_SAMPLES + 20; i++) {
      p = withBatchProgress(p, 'f1', { partition: 0, committedThrough: String(i + 1), finishedAt: T0 + i, lagMs: i });
    }
    expect(p.samples).toHaveLength(PROGRESS_WINDOW_SAMPLES);
    expect(p.samples[0]?.lagMs).toBe(21);
    const later = withBatchProgress(p, 'f1', { partition: 0, committedThrough: '999', finishedAt: T0 + PROGRESS_WINDOW_MS + 60, lagMs: 5 });
    expect(later.samples.every((s) => s.at >= T0 + 60)).toBe(true);
    expect(later.samples.at(-1)).toEqual({ at: T0 + PROGRESS_WINDOW_MS + 60, lagMs: 5 });
  });
});

describe('apply lag summary over partitions', () => {
  it('given no progress, when summarized, reports nothing rather than zeros', () => {
    expect(summarizeApplyLag([], T0)).toEqual({ last: null, lastAppliedAt: null, p99: null, max: null, samples: 0 });
  });

  it('given two partitions, when summarized, takes last from the newest batch and p99 over every recent sample', () => {
    let a = withBatchProgress(undefined, 'f1', { partition: 0, committedThrough: '1', finishedAt: T0, lagMs: 10 });
    for (let i = 1; i < 99; i++) a = withBatchProgress(a, 'f1', { partition: 0, committedThrough: String(i + 1), finishedAt: T0 + i, lagMs: 10 });
    const b = withBatchProgress(undefined, 'f1', { partition: 1, committedThrough: '3', finishedAt: T0 + 200, lagMs: 700 });
    const summary = summarizeApplyLag([a, b], T0 + 300);
    expect(summary).toMatchObject({ last: 700, lastAppliedAt: T0 + 200, max: 700, samples: 100 });
    expect(summary.p99).toBe(10);
    const b2 = withBatchProgress(b, 'f1', { partition: 1, committedThrough: '4', finishedAt: T0 + 201, lagMs: 800 });
    expect(summarizeApplyLag([a, b2], T0 + 300).p99).toBe(700);
  });

  it('given samples older than the window, when summarized, leaves them out of p99 but keeps last', () => {
    const old = withBatchProgress(undefined, 'f1', { partition: 0, committedThrough: '1', finishedAt: T0, lagMs: 50 });
    expect(summarizeApplyLag([old], T0 + PROGRESS_WINDOW_MS + 1)).toMatchObject({ last: 50, p99: null, samples: 0 });
  });
});
