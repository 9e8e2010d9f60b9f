import { judgeTargets } from '../../../bench/targets';
import { markdownReport } from '../../../bench/markdown-report';
import {
  ackModeOf,
  blockedTicksIn,
  failoverCompleteLog,
  type LeaderFailoverRun,
  planFailoverRuns,
  spreadOf,
  summarizeLeaderFailover,
} from '../../../bench/leader-failover-summary';
import { LatencyHistogram } from '../../../bench/latency-histogram';
import { planFor } from '../../../bench/plan';
import type { BenchResults } from '../../../bench/results-document';

const run = (mode: 'semi-sync' | 'async', ms: number | undefined, behindFence: number, lost = 0): LeaderFailoverRun => ({
  mode,
  killToFirstNewLeader200Ms: ms,
  newLeader: ms === undefined ? undefined : 'follower-1',
  term: ms === undefined ? undefined : 2,
  failoverPauseMs: ms === undefined ? undefined : ms - 3000,
  catchUp: ms === undefined ? undefined : { behindLogEndAtElection: behindFence + 1, behindFence, fenceToAppliedMs: behindFence * 2 },
  behindAtKill: { 'follower-1': mode === 'async' ? 12 : 3, 'follower-2': 5 },
  caughtUpAfterKillMs: { 'follower-1': mode === 'async' ? 40 : 8, 'follower-2': ms === undefined ? undefined : 9 },
  blockedTicks: mode === 'async' ? 1 : 0,
  writesAcked: 500,
  refused: 3,
  refusedBeforeKill: 0,
  keysChecked: 200,
  lost,
});

describe('leader failover runs', () => {
  it('interleaves the modes so a drifting machine weighs on both, the surplus last', () => {
    expect(planFailoverRuns(5, 3)).toEqual(['semi-sync', 'async', 'semi-sync', 'async', 'semi-sync', 'async', 'semi-sync', 'semi-sync']);
    expect(planFailoverRuns(1, 0)).toEqual(['semi-sync']);
    expect(planFailoverRuns(0, 2)).toEqual(['async', 'async']);
    expect(planFailoverRuns(2, 1, 2)).toEqual(['semi-sync', 'async', 'async-backlog', 'semi-sync', 'async-backlog']);
  });

  it('writes async-backlog runs in async mode', () => {
    expect([ackModeOf('semi-sync'), ackModeOf('async'), ackModeOf('async-backlog')]).toEqual(['semi-sync', 'async', 'async']);
  });

  it('summarises each mode over the runs that failed over: p50, max and each, lost summed over all', () => {
    const runs = [run('semi-sync', 4100, 2), run('async', 4600, 40), run('semi-sync', 4300, 0), run('semi-sync', 4200, 1, 0), run('async', undefined, 0)];
    const [semi, async] = summarizeLeaderFailover(runs);
    expect(semi).toMatchObject({ mode: 'semi-sync', runs: 3, failedOver: 3, lost: 0, blockedTicks: 0 });
    expect(semi?.killToFirstNewLeader200Ms).toEqual({ p50: 4200, max: 4300, each: [4100, 4300, 4200] });
    expect(semi?.behindFence).toEqual({ p50: 1, max: 2, each: [2, 0, 1] });
    expect(async?.caughtUpAfterKillMs).toEqual({ 'follower-1': { p50: 40, max: 40, each: [40, 40] }, 'follower-2': { p50: 9, max: 9, each: [9] } });
    expect(semi?.behindAtKill).toEqual({ 'follower-1': { p50: 3, max: 3, each: [3, 3, 3] }, 'follower-2': { p50: 5, max: 5, each: [5, 5, 5] } });
    expect(async).toMatchObject({ mode: 'async', runs: 2, failedOver: 1, blockedTicks: 2 });
    expect(async?.fenceToAppliedMs).toEqual({ p50: 80, max: 80, each: [80] });
    expect(summarizeLeaderFailover([run('semi-sync', 4000, 0, 3)])[0]?.lost).toBe(3);
  });

  it('plans at least five semi-sync runs in a full run, and a quick run of one per mode', () => {
    const request = { sections: ['failover' as const], store: 'process' as const, kafkaBrokers: undefined, outDir: '/tmp', lagRate: 300, catchUpEvents: undefined, writeLatest: false };
    expect(planFor({ ...request, quick: false }).leaderFailover.semiSyncRuns).toBeGreaterThanOrEqual(5);
    expect(planFor({ ...request, quick: true }).leaderFailover).toMatchObject({ semiSyncRuns: 1, asyncRuns: 1, asyncBacklogRuns: 1 });
  });

  it('gives no spread of nothing', () => {
    expect(spreadOf([])).toBeUndefined();
  });

  it('reads the winning watchdog\'s "failover complete" JSON line among other output, and counts blocked ticks', () => {
    const output = [
      'replog leader listening on http://127.0.0.1:1234',
      '{"level":"WARN","message":"leader failed, and no replica may take its place","reason":"async: …"}',
      '{"level":"WARN","message":"failover begun","to":"follower-1"}',
      '{"level":"WARN","message":"failover complete","from":"main","to":"follower-1","term":2,"pauseMs":1320,"catchUp":{"behindLogEndAtElection":3,"behindFence":1,"fenceToAppliedMs":41}}',
      '{"level":"WARN","message":"failover comp',
    ].join('\n');
    expect(failoverCompleteLog(output)).toEqual({ pauseMs: 1320, to: 'follower-1', catchUp: { behindLogEndAtElection: 3, behindFence: 1, fenceToAppliedMs: 41 } });
    expect(failoverCompleteLog('{"level":"WARN","message":"failover begun"}')).toBeUndefined();
    expect(blockedTicksIn(output)).toBe(1);
  });
});

describe('leader failover in the results', () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) h.recordMs(i / 10);
  const slower = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) slower.recordMs(i / 5);
  const runs = [run('semi-sync', 4100, 2), run('async', 4600, 40), run('semi-sync', 4300, 0, 1)];
  const base = {
    tool: 'replog bench',
    quick: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    durationSec: 60,
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, node: 'v20', platform: 'linux x64', loadAverage: [0.5, 0.5, 0.5], loadAverageAfter: [0.6, 0.6, 0.6] },
    setup: { store: 'x', kafka: 'k', followers: ['follower-1'], ackPollMs: 3, syncTimeoutMs: 2000, partitions: 3 },
    plan: planFor({ quick: false, sections: ['failover'], store: 'process', kafkaBrokers: undefined, outDir: '/tmp', lagRate: 300, catchUpEvents: undefined, writeLatest: false }),
    leaderFailover: {
      leaderFailureMs: 3000,
      backlogMs: 10_000,
      clients: 8,
      keys: 200,
      runs,
      summary: summarizeLeaderFailover(runs),
      losslessReads: {
        readersPerSide: 2,
        measureMs: 8000,
        off: { latency: h.summary(), readsPerSec: 400, refused: 0 },
        on: { latency: slower.summary(), readsPerSec: 200, refused: 1 },
        p50Ratio: 2,
        p99Ratio: 2,
      },
    },
  } satisfies Omit<BenchResults, 'targets'>;

  it('judges the kill → first 200 p50 against detection + 1 s, and any lost write in any run', () => {
    const byName = Object.fromEntries(judgeTargets(base).map((t) => [t.name, t]));
    const latency = Object.values(byName).find((t) => t.name.startsWith('leader failover, kill → first 200'));
    expect(latency).toMatchObject({ goal: '≤ 4000 ms', actual: '4100 ms', met: false });
    expect(byName['acknowledged writes lost over the leader failovers (every run, every mode)']).toMatchObject({ actual: '1', met: false });
  });

  it('writes the summary per mode, a row per run and the lossless-read cost into the markdown', () => {
    const md = markdownReport({ ...base, targets: [] });
    expect(md).toContain('REPLOG_LEADER_FAILURE_MS=3000');
    expect(md).toContain('| semi-sync | 2 | 2 | 4100 / 4300 | 1 | follower-1 3 / 3; follower-2 5 / 5 | follower-1 8 / 8; follower-2 9 / 9 | 1 / 3 | 0 / 2 |');
    expect(md).toContain('| 2 | async | follower-1 | 2 | 4600 | 1600 | follower-1 12 (40), follower-2 5 (9) | 40 | 80 | 500 | 3 (0) | 200 | 0 |');
    expect(md).toContain('| on | 10.01 | 19.01 |');
    expect(md).toContain('On / off: p50 **2×**, p99 **2×**.');
  });
});
