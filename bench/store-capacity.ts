import { performance } from 'node:perf_hooks';
import { DynamoFloorProbe } from '../src/adapters/dynamodb/dynamo-floor-probe';
import type { Runtime } from '../src/functions/runtime';
import { round } from './latency-histogram';
import { benchValue, randomKey } from './workload';
import type { WriteCell } from './write-latency';

export interface StoreCapacity {
  inFlight: number;
  /** Raw conditional UpdateItems (the leader's commit) per second with `inFlight` of them outstanding. */
  rawConditionalWritesPerSec: number;
  /** Raw writes that failed (a connection the store reset between requests); not counted in the rate. */
  failed?: number;
  /** Per replicated write at 64 clients, each ack mode: store requests it cost (every replica, followers included). */
  perMode: Array<{ mode: string; storeRequestsPerWrite: number; capacityPerSec: number; throughputPerSec: number; ratio: number }>;
}

/**
 * The store's own ceiling, measured in the same run: raw conditional writes/s at `inFlight`
 * outstanding against the same store, divided by the store requests one replicated write needs
 * (counted by the store process during the write cells), is the most replicated writes/s that
 * store could carry if every request cost what a conditional write costs.
 */
export async function measureStoreCapacity(
  rt: Runtime,
  options: { id: string; inFlight: number; durationMs: number; writes: readonly WriteCell[] },
): Promise<StoreCapacity> {
  const probe = new DynamoFloorProbe(rt.documentClient, {
    leaderLike: `${options.id}-cap-leader`,
    followerLike: `${options.id}-cap-follower`,
    bulk: `${options.id}-cap-bulk`,
  });
  // Only conditional commits are measured here: the leader-shaped table is all it needs.
  await probe.create(['leaderLike']);
  let done = 0;
  let failed = 0;
  let firstError: unknown;
  try {
    const until = performance.now() + options.durationMs;
    const worker = async () => {
      for (let i = 0; performance.now() < until; i++) {
        try {
          await probe.conditionalCommit(randomKey('cap-', 100_000), benchValue(i), Date.now());
          done += 1;
        } catch (error) {
          // Seen once in a full run: dynalite reset a kept-alive connection under 64 requests in
          // flight (read ECONNRESET, after the client's own retries). A rare one must not cost the
          // whole section; many mean the figure would be wrong, and the section fails.
          failed += 1;
          firstError ??= error;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.inFlight }, worker));
    const raw = (done / (performance.now() - started)) * 1000;
    if (failed > Math.max(1, done / 100)) throw new Error(`${failed} of ${done + failed} raw conditional writes failed`, { cause: firstError });
    const perMode = options.writes
      .filter((w) => w.concurrency === options.inFlight && w.costPerWrite)
      .map((w) => {
        const requests = Object.values(w.costPerWrite?.storeRequests ?? {}).reduce((a, b) => a + b, 0);
        const capacity = requests > 0 ? raw / requests : Number.NaN;
        return { mode: w.mode, storeRequestsPerWrite: round(requests), capacityPerSec: round(capacity, 0), throughputPerSec: w.throughputPerSec, ratio: round(w.throughputPerSec / capacity) };
      });
    return { inFlight: options.inFlight, rawConditionalWritesPerSec: round(raw, 0), ...(failed > 0 ? { failed } : {}), perMode };
  } finally {
    await probe.drop();
  }
}
