import { InvalidArgumentError } from 'commander';
import { LatencyHistogram } from '../../../bench/latency-histogram';
import { latencyChartSvg } from '../../../bench/latency-chart';
import { markdownReport } from '../../../bench/markdown-report';
import type { BenchResults } from '../../../bench/results-document';
import { judgeTargets } from '../../../bench/targets';
import type { WriteCell } from '../../../bench/write-latency';
import { benchSectionsOption, brokerListOption, storePlacementOption } from '../../../src/cli/cli-options';

function cell(mode: string, concurrency: number, p50Ms: number, throughputPerSec: number): WriteCell {
  const h = new LatencyHistogram();
  for (let i = 0; i < 100; i++) h.recordMs(p50Ms * (0.5 + i / 100));
  return { mode, concurrency, latency: h.summary(), throughputPerSec, completed: 100, failed: 0, degraded: 0 };
}

function results(overrides: Partial<BenchResults> = {}): Omit<BenchResults, 'targets'> {
  const floorPart = new LatencyHistogram();
  floorPart.recordMs(5);
  const s = floorPart.summary();
  return {
    tool: 'replog bench',
    quick: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    durationSec: 60,
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, node: 'v20', platform: 'linux x64', loadAverage: [0.5, 0.5, 0.5], loadAverageAfter: [0.6, 0.6, 0.6] },
    setup: { store: 'dynalite in its own process', kafka: '127.0.0.1:9092', followers: ['follower-1'], ackPollMs: 3, syncTimeoutMs: 2000, partitions: 3 },
    plan: {
      floor: { samples: 1, warmup: 0 },
      latency: { modes: ['async', 'semi-sync'], concurrencies: [1, 64], rounds: 1, warmupMs: 0, measureMs: 1, keySpace: 1 },
      lag: { ratePerSec: 300, lightRatePerSec: 50, durationMs: 1 },
      capacity: { durationMs: 1 },
      outbox: { writes: 1, clients: 1 },
      catchUp: { events: 1, keySpace: 1 },
      verify: { keys: 1, tampered: 1 },
      failover: { writesBeforeKill: 1, maxWaitMs: 1 },
      switchover: { switchovers: 2, clients: 2, keys: 10, steadyMs: 1 },
      cluster: { produceSamples: 1, modes: ['semi-sync'], concurrencies: [1], rounds: 1, warmupMs: 0, measureMs: 1, keySpace: 1 },
      leaderFailover: { semiSyncRuns: 1, asyncRuns: 1, asyncBacklogRuns: 0, backlogMs: 0, clients: 1, keys: 1, writesBeforeKill: 1, writesAfter: 1, readMs: 1, readersPerSide: 1, maxWaitMs: 1 },
    },
    floor: {
      samples: 1,
      conditionalWrite: s,
      produce: s,
      followerCycle: s,
      followerCycleParts: { deliveredP50Ms: 1, appliedP50Ms: 3, committedP50Ms: 5 },
      offsetFetch: s,
      asyncFloorP50Ms: 10,
      semiSyncFloorP50Ms: 15,
    },
    writes: [cell('async', 1, 11, 90), cell('semi-sync', 1, 30, 33), cell('async', 64, 100, 600), cell('semi-sync', 64, 150, 400)],
    ...overrides,
  };
}

describe('bench targets', () => {
  it('given measured cells, when judged, then each ratio is computed from p50s and throughput', () => {
    const targets = judgeTargets(results());
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
    const semiFloor = byName['semi-sync p50 / semi-sync floor (c=1)'];
    const semiAsync = byName['semi-sync p50 / async p50 (c=1)'];
    const throughput = byName['semi-sync / async throughput (64 clients)'];
    expect(semiFloor?.met).toBe(false);
    expect(Number.parseFloat(semiFloor?.actual ?? '')).toBeGreaterThan(1.3);
    expect(semiAsync?.met).toBe(false);
    expect(throughput?.actual).toBe('0.67×');
    expect(throughput?.met).toBe(false);
  });

  it('given sections that did not run, when judged, then their targets say not measured', () => {
    const targets = judgeTargets(results({ writes: [], floor: undefined }));
    expect(targets.every((t) => t.met === undefined && t.actual === 'not measured')).toBe(true);
  });
});

describe('bench switchover figures', () => {
  const switchover = {
    switchovers: 6,
    clients: 8,
    pauseMs: { p50: 420, max: 610, each: [400, 420, 610, 410, 430, 415] },
    clientSlowestWriteMs: [480, 500, 690, 470, 510, 490],
    writesAcked: 900,
    refused: 0,
    keysChecked: 400,
    lost: 0,
    termCheck: { writes: 300, meanMs: 1.2, controlReadsPerWrite: 0.21, steadyWriteP50Ms: 35 },
  };

  it('given a pause p50 within 500 ms and nothing lost, meets both targets; a lost write misses', () => {
    const met = Object.fromEntries(judgeTargets(results({ switchover })).map((t) => [t.name, t]));
    expect(met['switchover write pause p50']).toMatchObject({ actual: '420 ms', met: true });
    expect(met['acknowledged writes lost over the switchovers']).toMatchObject({ actual: '0', met: true });
    const lost = Object.fromEntries(judgeTargets(results({ switchover: { ...switchover, lost: 2, pauseMs: { ...switchover.pauseMs, p50: 700 } } })).map((t) => [t.name, t]));
    expect(lost['switchover write pause p50']?.met).toBe(false);
    expect(lost['acknowledged writes lost over the switchovers']?.met).toBe(false);
  });

  it('writes the switchover figures and the term check cost into the markdown', () => {
    const md = markdownReport({ ...results({ switchover }), targets: [] });
    expect(md).toContain('write pause p50 **420 ms**, max 610 ms');
    expect(md).toContain('**0 lost** over 400 keys');
    expect(md).toContain('1.2 ms mean, 0.21 control reads per write');
  });
});

describe('bench report', () => {
  it('given results, when rendered, then the chart has one line per mode and concurrency and the floors', () => {
    const r = { ...results(), targets: [] };
    const svg = latencyChartSvg(r);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<title');
    expect(svg.match(/<path /g)).toHaveLength(4);
    expect(svg).toContain('semi-sync floor 15 ms');
  });

  it('given results, when written as markdown, then the write table has a row per cell', () => {
    const md = markdownReport({ ...results(), targets: judgeTargets(results()) });
    expect(md).toContain('| semi-sync | 64 |');
    expect(md).toContain('semi-sync floor = write + produce + follower cycle = **15 ms**');
  });

  it('given cells with server stages, when written as markdown, then each stage shows its p50 / p99 and a missing stage a dash', () => {
    const staged: WriteCell = { ...cell('semi-sync', 1, 30, 33), stages: { commit: { p50Ms: 4.2, p99Ms: 9.1 }, wait: { p50Ms: 20, p99Ms: 41.5 }, total: { p50Ms: 28, p99Ms: 55 }, outside: { p50Ms: 1.5, p99Ms: 3 } } };
    const md = markdownReport({ ...results({ writes: [staged, cell('async', 1, 11, 90)] }), targets: [] });
    expect(md).toContain("Where a write's time goes");
    expect(md).toContain('| semi-sync | 1 | - | 4.2 / 9.1 | - | - | 20 / 41.5 | 28 / 55 | 1.5 / 3 |');
    expect(md).not.toContain('| async | 1 | - | - |');
  });
});

describe('bench log cluster figures', () => {
  it('given the 1-broker and 3-broker cells, when written as markdown, then each write row shows its p50 against the same cell on one broker', () => {
    const summary = (ms: number) => {
      const h = new LatencyHistogram();
      h.recordMs(ms);
      return h.summary();
    };
    const writes = (ms: number) => [{ mode: 'semi-sync', concurrency: 8, latency: summary(ms), throughputPerSec: 100, completed: 800, failed: 0 }];
    const logCluster = {
      cluster: { port: 9292, startMs: 21_000, startedHere: true },
      cells: [
        { brokers: 1, durability: 'replication factor 1 on 1 broker', produce: summary(2), writes: writes(20) },
        { brokers: 3, durability: 'replication factor 3, min.insync.replicas 2 on 3 brokers', produce: summary(5), writes: writes(30) },
      ],
    };
    const md = markdownReport({ ...results({ logCluster }), targets: [] });
    expect(md).toContain('The price of a durable log');
    expect(md).toContain('started in 21000 ms on ports from 9292');
    expect(md).toMatch(/\| 3 \| replication factor 3, min.insync.replicas 2 on 3 brokers \| semi-sync write × 8 \| 30(\.\d+)? \|.*\| 100 \| 1\.5× \|/);
    expect(md).toMatch(/\| 1 \| replication factor 1 on 1 broker \| semi-sync write × 8 \| 20(\.\d+)? \|.*\| 100 \| - \|/);
  });
});

describe('bench capacity figures', () => {
  it("given the store's raw capacity, when judged and written, then each mode's throughput is set against it", () => {
    const capacity = {
      inFlight: 64,
      rawConditionalWritesPerSec: 2000,
      perMode: [
        { mode: 'async', storeRequestsPerWrite: 5, capacityPerSec: 400, throughputPerSec: 300, ratio: 0.75 },
        { mode: 'semi-sync', storeRequestsPerWrite: 5, capacityPerSec: 400, throughputPerSec: 200, ratio: 0.5 },
      ],
    };
    const r = results({ capacity });
    const targets = judgeTargets(r);
    expect(targets.find((t) => t.name.startsWith('async writes/s at 64'))?.met).toBe(true);
    expect(targets.find((t) => t.name.startsWith('semi-sync writes/s at 64'))?.met).toBe(false);
    const md = markdownReport({ ...r, targets });
    expect(md).toContain('**2000/s**');
    expect(md).toContain('| semi-sync | 5 | 400 | 200 | 0.5× |');
  });
});

describe('bench outbox figures', () => {
  const outbox = {
    writes: 50_000,
    clients: 64,
    burstSec: 250,
    writesPerSec: 200,
    acknowledged: 49_990,
    unpublished: 10,
    failed: 0,
    writeLatency: { count: 49_990, minMs: 10, meanMs: 310, p50Ms: 300, p95Ms: 400, p99Ms: 500, p999Ms: 550, maxMs: 600, curve: [] },
    marksPeak: 540,
    marksAtEnd: 480,
    underMarks: 1000,
    msToUnder: 0,
    msToZero: 900,
    afterWaitMs: 60_000,
    logRecords: 50_000,
    republishes: 0,
    relayWaitMs: 9000,
    samples: [{ atMs: 0, marks: 0, pendingRecords: 0 }],
  };

  it('given marks under the bound at the burst end and one record per committed write, meets both targets', () => {
    const targets = judgeTargets(results({ outbox }));
    expect(targets.find((t) => t.name.startsWith('outbox marks back under 1000'))).toMatchObject({ actual: '0 ms', met: true });
    expect(targets.find((t) => t.name.startsWith('relay republishes'))).toMatchObject({ actual: '0', met: true });
    const md = markdownReport({ ...results({ outbox }), targets });
    expect(md).toContain('| 540 | 480 | 0 ms | 900 ms | 50000 | 0 |');
  });

  it('given marks that never came under the bound and records beyond the writes, misses both', () => {
    const targets = judgeTargets(results({ outbox: { ...outbox, msToUnder: undefined, msToZero: undefined, logRecords: 50_517, republishes: 517 } }));
    expect(targets.find((t) => t.name.startsWith('outbox marks back under 1000'))?.met).toBe(false);
    expect(targets.find((t) => t.name.startsWith('relay republishes'))).toMatchObject({ actual: '517', met: false });
    expect(markdownReport({ ...results({ outbox: { ...outbox, msToUnder: undefined } }), targets })).toContain('not within the wait');
  });
});

describe('latency histogram', () => {
  it('given uniform samples, when summarised, then percentiles are within the histogram precision', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) h.recordMs(ms);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.p50Ms).toBeCloseTo(500, -1);
    expect(s.p99Ms).toBeCloseTo(990, -1);
    expect(s.maxMs).toBeCloseTo(1000, -1);
  });
});

describe('bench CLI options', () => {
  it('accepts known sections and rejects others', () => {
    expect(benchSectionsOption('floor, latency,floor')).toEqual(['floor', 'latency']);
    expect(() => benchSectionsOption('floor,speed')).toThrow(InvalidArgumentError);
    expect(() => benchSectionsOption('')).toThrow(InvalidArgumentError);
  });

  it('accepts a store placement or an http(s) endpoint', () => {
    expect(storePlacementOption('process')).toBe('process');
    expect(storePlacementOption('in-process')).toBe('in-process');
    expect(storePlacementOption('http://127.0.0.1:8000/')).toEqual({ endpoint: 'http://127.0.0.1:8000' });
    expect(() => storePlacementOption('ftp://x')).toThrow(InvalidArgumentError);
    expect(() => storePlacementOption('memory')).toThrow(InvalidArgumentError);
  });

  it('accepts host:port lists only', () => {
    expect(brokerListOption('127.0.0.1:9092, localhost:29092')).toBe('127.0.0.1:9092,localhost:29092');
    expect(() => brokerListOption('127.0.0.1')).toThrow(InvalidArgumentError);
  });
});
