import { LatencyHistogram, type LatencySummary, round } from './latency-histogram';
import { addStages, closedLoop } from './load-patterns';
import { settle } from './settle';
import type { BenchStack, StoreStats } from './bench-stack';
import { benchValue, randomKey } from './workload';
import { WriteClient } from './write-client';

export interface WriteCell {
  mode: string;
  concurrency: number;
  latency: LatencySummary;
  /** Acknowledged writes per second over the measured window. */
  throughputPerSec: number;
  completed: number;
  failed: number;
  degraded: number;
  firstError?: string;
  /**
   * Where the acknowledged writes' time went, by the server's Server-Timing (leader, commit,
   * publish, term, wait, total) and `outside` (client latency − server total: HTTP and queueing).
   */
  stages?: Record<string, { p50Ms: number; p99Ms: number }>;
  /**
   * What one acknowledged write cost, on average, over the window (followers included): CPU of the
   * benchmark process (leader, followers and load), and of the store with its requests by operation.
   * Only when the store runs in its own process.
   */
  costPerWrite?: { processCpuMs: number; storeCpuMs: number; storeRequests: Record<string, number> };
}

/**
 * Closed-loop HTTP writes per acknowledgement mode and concurrency. Concurrency is the outer loop;
 * inside it the modes take turns for `rounds` rounds, each mode measuring `measureMs / rounds` per
 * round into one histogram, so slow drift of a shared machine touches every mode alike. Before each
 * turn the followers catch up, so no turn pays for the one before; every turn has its own warm-up.
 */
export async function measureWriteLatency(
  bench: BenchStack,
  options: {
    modes: string[];
    concurrencies: number[];
    rounds: number;
    warmupMs: number;
    measureMs: number;
    keySpace: number;
    onCell?: (mode: string, concurrency: number, round: number) => void;
    onProgress?: (completed: number) => void;
  },
): Promise<WriteCell[]> {
  const cells: WriteCell[] = [];
  for (const concurrency of options.concurrencies) {
    const client = new WriteClient(bench.url, concurrency, bench.env.REPLOG_API_KEY);
    const acc = new Map(
      options.modes.map((mode) => [
        mode,
        { histogram: new LatencyHistogram(), stages: new Map<string, LatencyHistogram>(), completed: 0, failed: 0, degraded: 0, sent: 0, windowMs: 0, firstError: undefined as string | undefined, cost: undefined as CostTotals | undefined },
      ]),
    );
    try {
      for (let r = 0; r < options.rounds; r++) {
        for (const mode of options.modes) {
          const a = acc.get(mode) as NonNullable<ReturnType<typeof acc.get>>;
          options.onCell?.(mode, concurrency, r);
          await settle(bench.stack.runtime);
          const before = await costSnapshot(bench);
          const result = await closedLoop({
            client,
            ack: mode,
            concurrency,
            warmupMs: options.warmupMs,
            measureMs: options.measureMs / options.rounds,
            keyOf: () => randomKey('w-', options.keySpace),
            valueOf: benchValue,
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          });
          // Followers finish applying what was acknowledged, so the cost includes replication.
          await settle(bench.stack.runtime);
          const after = await costSnapshot(bench);
          a.histogram.add(result.histogram);
          addStages(a.stages, result.stages);
          a.completed += result.completed;
          a.failed += result.failed;
          a.degraded += result.degraded;
          a.sent += result.sent;
          a.windowMs += result.windowMs;
          a.firstError ??= result.firstError;
          if (before && after) a.cost = addCost(a.cost, before, after);
        }
      }
    } finally {
      client.close();
    }
    for (const mode of options.modes) {
      const a = acc.get(mode) as NonNullable<ReturnType<typeof acc.get>>;
      cells.push({
        mode,
        concurrency,
        latency: a.histogram.summary(),
        throughputPerSec: round((a.completed / a.windowMs) * 1000, 1),
        completed: a.completed,
        failed: a.failed,
        degraded: a.degraded,
        ...(a.firstError ? { firstError: a.firstError } : {}),
        ...(a.stages.size > 0 ? { stages: stageSummary(a.stages) } : {}),
        ...(a.cost && a.sent > 0 ? { costPerWrite: perWrite(a.cost, a.sent) } : {}),
      });
    }
  }
  return cells;
}

function stageSummary(stages: Map<string, LatencyHistogram>): NonNullable<WriteCell['stages']> {
  const out: NonNullable<WriteCell['stages']> = {};
  for (const [name, h] of stages) out[name] = { p50Ms: round(h.percentileMs(50), 3), p99Ms: round(h.percentileMs(99), 3) };
  return out;
}

interface CostSnapshot {
  processCpuMs: number;
  store: StoreStats;
}

interface CostTotals {
  processCpuMs: number;
  storeCpuMs: number;
  storeRequests: Record<string, number>;
}

/** The follower process's CPU so far (ms), from its own Prometheus figures; 0 when the followers run in this process. */
async function followerProcessCpuMs(bench: BenchStack): Promise<number> {
  const child = bench.stack.processes?.()[0];
  if (child === undefined || child.state !== 'running') return 0;
  const text = await (await fetch(`${child.endpoint}/metrics`)).text();
  const seconds = Number(/^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1]);
  if (!Number.isFinite(seconds)) throw new Error(`the follower process's metrics (${child.endpoint}/metrics) have no process_cpu_seconds_total`);
  return seconds * 1000;
}

async function costSnapshot(bench: BenchStack): Promise<CostSnapshot | undefined> {
  if (!bench.store.stats) return undefined;
  const cpu = process.cpuUsage();
  // The leader and the load generator are this process; the followers and the relay run in the follower process.
  return { processCpuMs: (cpu.user + cpu.system) / 1000 + (await followerProcessCpuMs(bench)), store: await bench.store.stats() };
}

/** Adds what happened between two snapshots (warm-up included: its writes are counted as sent too). */
function addCost(total: CostTotals | undefined, a: CostSnapshot, b: CostSnapshot): CostTotals {
  const sum: CostTotals = total ?? { processCpuMs: 0, storeCpuMs: 0, storeRequests: {} };
  sum.processCpuMs += b.processCpuMs - a.processCpuMs;
  sum.storeCpuMs += b.store.cpuMs - a.store.cpuMs;
  for (const [op, n] of Object.entries(b.store.operations)) {
    const delta = n - (a.store.operations[op] ?? 0);
    if (delta > 0) sum.storeRequests[op] = (sum.storeRequests[op] ?? 0) + delta;
  }
  return sum;
}

function perWrite(total: CostTotals, writes: number): NonNullable<WriteCell['costPerWrite']> {
  const storeRequests: Record<string, number> = {};
  for (const [op, n] of Object.entries(total.storeRequests)) storeRequests[op] = round(n / writes, 2);
  return { processCpuMs: round(total.processCpuMs / writes, 2), storeCpuMs: round(total.storeCpuMs / writes, 2), storeRequests };
}
