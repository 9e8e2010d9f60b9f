import { performance } from 'node:perf_hooks';
import { DynamoFloorProbe } from '../src/adapters/dynamodb/dynamo-floor-probe';
import { KafkaFloorProbe } from '../src/adapters/kafka/kafka-floor-probe';
import { type ChangeEvent, encodeChangeEvent } from '../src/core/change-event';
import type { Runtime } from '../src/functions/runtime';
import { LatencyHistogram, type LatencySummary, round } from './latency-histogram';
import { benchValue } from './workload';

export interface FloorResult {
  samples: number;
  /** Raw conditional UpdateItem, the leader's commit request, against the same store. */
  conditionalWrite: LatencySummary;
  /** Raw acks=all produce of one change-event-sized record. */
  produce: LatencySummary;
  /** Raw follower cycle, from the produce acknowledgement to the follower's offset commit. */
  followerCycle: LatencySummary;
  followerCycleParts: { deliveredP50Ms: number; appliedP50Ms: number; committedP50Ms: number };
  /** Raw committed-offset fetch for one group (one offset-watcher round): a stage figure, not in the floor. */
  offsetFetch: LatencySummary;
  /**
   * Sums of p50s of the steps a write cannot skip, each measured alone: lower bounds. The
   * semi-sync floor leaves the offset fetch out: the leader's watcher polls while a write waits,
   * so the fetch that sees the commit may already be on its way; counting a whole one made the
   * floor higher than replog's own path in a quiet run (0.97×).
   */
  asyncFloorP50Ms: number;
  semiSyncFloorP50Ms: number;
}

/**
 * The physical floor, measured against the same store and broker in the same run: each round
 * does one of each raw operation in turn, so load drift touches every figure alike.
 */
export async function measureFloor(
  rt: Runtime,
  options: { id: string; samples: number; warmup: number; onProgress?: (done: number) => void },
): Promise<FloorResult> {
  const dynamo = new DynamoFloorProbe(rt.documentClient, {
    leaderLike: `${options.id}-floor-leader`,
    followerLike: `${options.id}-floor-follower`,
    bulk: `${options.id}-floor-bulk`,
  });
  const kafka = new KafkaFloorProbe(rt.kafka, `${options.id}.floor`, rt.config.partitions, `${options.id}-floor`);
  await dynamo.create();
  await kafka.start(async (record) => {
    // The raw follower decodes with JSON.parse only: schema checks are replog's cost, not the floor's.
    const event = JSON.parse(record.value) as ChangeEvent;
    await dynamo.conditionalApply(event, Date.now());
  });
  const write = new LatencyHistogram();
  const produce = new LatencyHistogram();
  const cycle = new LatencyHistogram();
  const delivered = new LatencyHistogram();
  const applied = new LatencyHistogram();
  const fetch = new LatencyHistogram();
  try {
    for (let i = 0; i < options.warmup + options.samples; i++) {
      const measured = i >= options.warmup;
      const now = Date.now();
      const value = benchValue(i);
      let t = performance.now();
      await dynamo.conditionalCommit(`floor-${i % 1000}`, value, now);
      if (measured) write.recordMs(performance.now() - t);

      const event: ChangeEvent = { v: 1, op: 'put', key: `floor-p-${i}`, version: 1, value, committedAt: now, writeId: `floor-${i}` };
      t = performance.now();
      await kafka.produce(event.key, encodeChangeEvent(event));
      if (measured) produce.recordMs(performance.now() - t);

      const cycled = await kafka.cycle(`floor-c-${i}`, encodeChangeEvent({ ...event, key: `floor-c-${i}` }));
      if (measured) {
        cycle.recordMs(cycled.committedMs);
        delivered.recordMs(Math.max(0.001, cycled.deliveredMs));
        applied.recordMs(Math.max(0.001, cycled.appliedMs));
      }

      t = performance.now();
      await kafka.fetchOffsets();
      if (measured) fetch.recordMs(performance.now() - t);
      options.onProgress?.(i + 1);
    }
  } finally {
    await kafka.stop();
    await dynamo.drop();
  }
  const result = {
    samples: options.samples,
    conditionalWrite: write.summary(),
    produce: produce.summary(),
    followerCycle: cycle.summary(),
    followerCycleParts: { deliveredP50Ms: round(delivered.percentileMs(50)), appliedP50Ms: round(applied.percentileMs(50)), committedP50Ms: round(cycle.percentileMs(50)) },
    offsetFetch: fetch.summary(),
  };
  const asyncFloor = result.conditionalWrite.p50Ms + result.produce.p50Ms;
  return {
    ...result,
    asyncFloorP50Ms: round(asyncFloor),
    semiSyncFloorP50Ms: round(asyncFloor + result.followerCycle.p50Ms),
  };
}
