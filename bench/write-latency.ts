import type { LatencySummary } from './latency-histogram';
import { round } from './latency-histogram';
import { closedLoop } from './load-patterns';
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
   * What one acknowledged write cost, on average, over the window (followers included): CPU of the
   * benchmark process (leader, followers and load), and of the store with its requests by operation.
   * Only when the store runs in its own process.
   */
  costPerWrite?: { processCpuMs: number; storeCpuMs: number; storeRequests: Record<string, number> };
}

/**
 * Closed-loop HTTP writes per acknowledgement mode and concurrency. Concurrency is the outer loop
 * and modes alternate inside it, so slow drift of a shared machine spreads over every mode; before
 * each cell the followers catch up, so no cell pays for the one before.
 */
export async function measureWriteLatency(
  bench: BenchStack,
  options: {
    modes: string[];
    concurrencies: number[];
    warmupMs: number;
    measureMs: number;
    keySpace: number;
    onCell?: (mode: string, concurrency: number) => void;
    onProgress?: (completed: number) => void;
  },
): Promise<WriteCell[]> {
  const cells: WriteCell[] = [];
  for (const concurrency of options.concurrencies) {
    const client = new WriteClient(bench.url, concurrency, bench.env.REPLOG_API_KEY);
    try {
      for (const mode of options.modes) {
        options.onCell?.(mode, concurrency);
        await settle(bench.stack.runtime);
        const before = await costSnapshot(bench);
        const result = await closedLoop({
          client,
          ack: mode,
          concurrency,
          warmupMs: options.warmupMs,
          measureMs: options.measureMs,
          keyOf: () => randomKey('w-', options.keySpace),
          valueOf: benchValue,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
        // Followers finish applying what was acknowledged, so the cost includes replication.
        await settle(bench.stack.runtime);
        const after = await costSnapshot(bench);
        cells.push({
          mode,
          concurrency,
          latency: result.histogram.summary(),
          throughputPerSec: round((result.completed / result.windowMs) * 1000, 1),
          completed: result.completed,
          failed: result.failed,
          degraded: result.degraded,
          ...(result.firstError ? { firstError: result.firstError } : {}),
          ...(before && after && result.sent > 0 ? { costPerWrite: costBetween(before, after, result.sent) } : {}),
        });
      }
    } finally {
      client.close();
    }
  }
  return cells;
}

interface CostSnapshot {
  processCpuMs: number;
  store: StoreStats;
}

async function costSnapshot(bench: BenchStack): Promise<CostSnapshot | undefined> {
  if (!bench.store.stats) return undefined;
  const cpu = process.cpuUsage();
  return { processCpuMs: (cpu.user + cpu.system) / 1000, store: await bench.store.stats() };
}

/** Per write sent between the snapshots (warm-up included: its writes are in the window too). */
function costBetween(a: CostSnapshot, b: CostSnapshot, writes: number): NonNullable<WriteCell['costPerWrite']> {
  const storeRequests: Record<string, number> = {};
  for (const [op, n] of Object.entries(b.store.operations)) {
    const delta = n - (a.store.operations[op] ?? 0);
    if (delta > 0) storeRequests[op] = round(delta / writes, 2);
  }
  return {
    processCpuMs: round((b.processCpuMs - a.processCpuMs) / writes, 2),
    storeCpuMs: round((b.store.cpuMs - a.store.cpuMs) / writes, 2),
    storeRequests,
  };
}
