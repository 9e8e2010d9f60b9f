import { round } from './latency-histogram';
import type { BenchResults, Target } from './results-document';

/**
 * The targets for this 2-core machine, judged from the figures (reported, never tuned to).
 * A target whose section did not run is listed with `met: undefined`.
 */
export function judgeTargets(r: Omit<BenchResults, 'targets'>): Target[] {
  const cell = (mode: string, c: number) => r.writes?.find((w) => w.mode === mode && w.concurrency === c);
  const semi1 = cell('semi-sync', 1)?.latency.p50Ms;
  const async1 = cell('async', 1)?.latency.p50Ms;
  const floor = r.floor;
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? round(a / b) : undefined);
  const t = (name: string, goal: string, value: number | undefined, limit: number, atMost: boolean, unit = '×'): Target => ({
    name,
    goal,
    actual: value === undefined ? 'not measured' : Number.isFinite(value) ? `${value}${unit}` : 'not reached',
    met: value === undefined ? undefined : atMost ? value <= limit : value >= limit,
  });
  const semiFailover = r.leaderFailover?.summary.find((m) => m.mode === 'semi-sync');
  const semiThroughput = cell('semi-sync', 64)?.throughputPerSec;
  const asyncThroughput = cell('async', 64)?.throughputPerSec;
  return [
    t('semi-sync p50 / semi-sync floor (c=1)', '≤ 1.15×', ratio(semi1, floor?.semiSyncFloorP50Ms), 1.15, true),
    t('semi-sync p50 / async p50 (c=1)', '≤ 1.5×', ratio(semi1, async1), 1.5, true),
    t('async p50 / (raw write + raw produce) (c=1)', '≤ 1.3×', ratio(async1, floor?.asyncFloorP50Ms), 1.3, true),
    t(`apply lag p99 at ${r.applyLag?.offeredPerSec ?? r.plan.lag.ratePerSec} writes/s`, '≤ 100 ms', r.applyLag?.lag.p99Ms, 100, true, ' ms'),
    t('semi-sync / async throughput (64 clients)', '≥ 0.7×', ratio(semiThroughput, asyncThroughput), 0.7, false),
    ...(r.capacity?.perMode ?? []).map((m) =>
      t(`${m.mode} writes/s at ${r.capacity?.inFlight} clients / the store's capacity for them`, '≥ 0.7×', m.ratio, 0.7, false),
    ),
    t(
      `outbox marks back under ${r.outbox?.underMarks ?? 1000} after a ${r.outbox?.writes ?? 50_000}-write burst (ms from its end)`,
      '≤ 5000 ms',
      r.outbox ? (r.outbox.msToUnder ?? Number.POSITIVE_INFINITY) : undefined,
      5000,
      true,
      ' ms',
    ),
    t('relay republishes of versions already in the log, after that burst', '0', r.outbox?.republishes, 0, true, ''),
    t('replay / raw BatchWriteItem rate', '≥ 0.8×', r.catchUp?.ratio, 0.8, false),
    t(`rebuild end to end / tuned Scan+BatchWriteItem copy (${r.catchUp?.keys ?? 50_000} keys)`, '≥ 1.0×', r.catchUp?.replayOverCopy, 1.0, false),
    ...(r.catchUpLarge ? [t(`rebuild end to end / tuned copy (${r.catchUpLarge.keys} keys)`, '≥ 1.5×', r.catchUpLarge.replayOverCopy, 1.5, false)] : []),
    t(`verify with ${r.verify?.tampered ?? 100} real differences / its two scans (${r.verify?.keys ?? 50_000} keys)`, '≤ 1.5×', r.verify?.ratio, 1.5, true),
    t(
      `leader failover, kill → first 200 p50 (semi-sync), at most detection ${r.leaderFailover?.leaderFailureMs ?? '?'} ms + 1 s`,
      `≤ ${(r.leaderFailover?.leaderFailureMs ?? 0) + 1000} ms`,
      semiFailover?.killToFirstNewLeader200Ms?.p50,
      (r.leaderFailover?.leaderFailureMs ?? 0) + 1000,
      true,
      ' ms',
    ),
    t('acknowledged writes lost over the leader failovers (every run, every mode)', '0', r.leaderFailover ? r.leaderFailover.runs.reduce((n, run) => n + run.lost, 0) : undefined, 0, true, ''),
    t('switchover write pause p50', '≤ 500 ms', r.switchover?.pauseMs.p50, 500, true, ' ms'),
    t('acknowledged writes lost over the switchovers', '0', r.switchover?.lost, 0, true, ''),
  ];
}
