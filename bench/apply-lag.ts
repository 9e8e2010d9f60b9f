import { readApplyTimes } from '../src/adapters/dynamodb/dynamo-floor-probe';
import type { BenchStack } from './bench-stack';
import { LatencyHistogram, type LatencySummary, round } from './latency-histogram';
import { openLoop } from './load-patterns';
import { settle } from './settle';
import { benchValue } from './workload';
import { WriteClient } from './write-client';

export interface ApplyLagResult {
  ack: string;
  offeredPerSec: number;
  achievedPerSec: number;
  writes: number;
  failed: number;
  notSent: number;
  /** Leader commit → follower apply, over every follower's copy of every write. */
  lag: LatencySummary;
  perFollower: Record<string, { count: number; p50Ms: number; p99Ms: number; maxMs: number }>;
  /** What the writers saw meanwhile. */
  writeLatency: LatencySummary;
}

/**
 * Offers writes at a fixed rate (open loop, async acknowledgement so the offered load does not
 * depend on the followers) with a fresh key each, then reads every follower's copy back: each
 * carries the leader's commit time and the follower's apply time.
 */
export async function measureApplyLag(
  bench: BenchStack,
  options: { ratePerSec: number; durationMs: number; onProgress?: (sent: number) => void },
): Promise<ApplyLagResult> {
  const rt = bench.stack.runtime;
  await settle(rt);
  const prefix = `lag-${Date.now().toString(36)}-`;
  const client = new WriteClient(bench.url, 256, bench.env.REPLOG_API_KEY);
  let result: Awaited<ReturnType<typeof openLoop>>;
  try {
    result = await openLoop({
      client,
      ack: 'async',
      ratePerSec: options.ratePerSec,
      durationMs: options.durationMs,
      maxOutstanding: 256,
      keyOf: (n) => `${prefix}${n}`,
      valueOf: benchValue,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    client.close();
  }
  await settle(rt);
  const all = new LatencyHistogram();
  const perFollower: ApplyLagResult['perFollower'] = {};
  for (const { id } of rt.config.followers) {
    const h = new LatencyHistogram();
    for (const t of await readApplyTimes(rt.documentClient, rt.config.tables.follower(id), prefix)) {
      const lag = Math.max(0, t.appliedAt - t.committedAt);
      h.recordMs(lag);
      all.recordMs(lag);
    }
    const s = h.summary();
    perFollower[id] = { count: s.count, p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs: s.maxMs };
  }
  return {
    ack: 'async',
    offeredPerSec: options.ratePerSec,
    achievedPerSec: round((result.completed / result.windowMs) * 1000, 1),
    writes: result.completed,
    failed: result.failed,
    notSent: result.notSent,
    lag: all.summary(),
    perFollower,
    writeLatency: result.histogram.summary(),
  };
}
