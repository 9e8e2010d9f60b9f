import type { LatencySummary } from './latency-histogram';
import { round } from './latency-histogram';
import { closedLoop } from './load-patterns';
import { settle } from './settle';
import type { BenchStack } from './bench-stack';
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
        cells.push({
          mode,
          concurrency,
          latency: result.histogram.summary(),
          throughputPerSec: round((result.completed / result.windowMs) * 1000, 1),
          completed: result.completed,
          failed: result.failed,
          degraded: result.degraded,
          ...(result.firstError ? { firstError: result.firstError } : {}),
        });
      }
    } finally {
      client.close();
    }
  }
  return cells;
}
